#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The levels of a data-driven fan-out (`foreach: {levels: {table: PATH, column: NAME}}`): the
/// distinct values of one column of a CSV file, read when the workflow loads.
///
/// Levels are the column's distinct non-empty values in sorted (byte) order, so the instance
/// order — and the order a gather passes their outputs in — depends only on the set of levels,
/// never on the table's row order.
public enum LevelsTable {
    /// Why a table gives no levels.
    public enum Problem: Error, Sendable, Equatable {
        /// The file is not there.
        case missing
        /// The file exists but is not usable (directory, unreadable, no header, bad quoting): the message.
        case unreadable(String)
        /// No column of that name: the header's names.
        case noColumn(header: [String])
        /// The column has no non-empty value.
        case empty
    }

    /// The distinct non-empty values of `column` in the CSV file at `absolutePath`, sorted.
    public static func levels(absolutePath: String, column: String) -> Result<[String], Problem> {
        guard access(absolutePath, F_OK) == 0 else { return .failure(.missing) }
        guard let bytes = FileIO.read(absolutePath) else { return .failure(.unreadable("it cannot be read as a file")) }
        return levels(csv: bytes, column: column)
    }

    /// The distinct non-empty values of `column` in the CSV text `bytes` (RFC 4180: quoted fields
    /// may hold commas, doubled quotes and line breaks; LF or CRLF line ends), sorted.
    public static func levels(csv bytes: [UInt8], column: String) -> Result<[String], Problem> {
        var records = CSVRecords(bytes)
        guard let header = records.next() else { return .failure(.unreadable("it has no header line")) }
        let names = header.map { $0.trimmingBOM() }
        guard let index = names.firstIndex(of: column) else { return .failure(.noColumn(header: names)) }
        var seen: Set<String> = []
        while let record = records.next() {
            guard index < record.count, !record[index].isEmpty else { continue }
            seen.insert(record[index])
        }
        if let problem = records.problem { return .failure(.unreadable(problem)) }
        guard !seen.isEmpty else { return .failure(.empty) }
        return .success(seen.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
    }
}

/// The records of a CSV text, one array of fields each; stops at the first malformed quote
/// (`problem` says where).
struct CSVRecords {
    private let bytes: [UInt8]
    private var offset = 0
    private(set) var problem: String?

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func next() -> [String]? {
        guard problem == nil, offset < bytes.count else { return nil }
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        while offset < bytes.count {
            let c = bytes[offset]
            offset += 1
            if quoted {
                if c == quote {
                    if offset < bytes.count && bytes[offset] == quote { field.append(quote); offset += 1 } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == quote && field.isEmpty {
                quoted = true
            } else if c == comma {
                fields.append(String(decoding: field, as: UTF8.self))
                field = []
            } else if c == lf || c == cr {
                if c == cr && offset < bytes.count && bytes[offset] == lf { offset += 1 }
                fields.append(String(decoding: field, as: UTF8.self))
                return fields
            } else {
                field.append(c)
            }
        }
        if quoted {
            problem = "a quoted field is not closed by the end of the file"
            return nil
        }
        fields.append(String(decoding: field, as: UTF8.self))
        return fields
    }
}

extension String {
    fileprivate func trimmingBOM() -> String {
        unicodeScalars.first == "\u{FEFF}" ? String(unicodeScalars.dropFirst()) : self
    }
}

/// A data-driven fan-out of a loaded workflow: which table and column give its levels, which stage
/// writes the table, and whether the instances are known yet.
public struct LevelsFanout: Sendable, Equatable {
    /// The template's id.
    public var template: String
    /// The table's workspace-relative path.
    public var table: String
    /// The column whose distinct values are the levels.
    public var column: String
    /// The stage whose output is the table; nil when the table is a plain input of the workspace.
    public var producer: String?
    /// Whether the instances are in `Workflow.stages` (the table was read); when false the
    /// template "expands after `producer` runs" and has no instances yet.
    public var expanded: Bool
    /// Stages that gather from a template not yet expanded: they wait for it too.
    public var readers: [String]

    /// Creates a record of a data-driven fan-out.
    public init(template: String, table: String, column: String, producer: String?, expanded: Bool, readers: [String] = []) {
        self.template = template
        self.table = table
        self.column = column
        self.producer = producer
        self.expanded = expanded
        self.readers = readers
    }

    /// "expands after STAGE runs", as `run -n` and `status` say it.
    public var waitingNote: String {
        "expands after '\(producer ?? table)' runs (its instances come from column '\(column)' of '\(table)')"
    }
}

/// Where `levels:` tables are read from when a workflow loads, and whether the run has already
/// brought their producing stages up to date.
public struct LevelsTables: Sendable, Equatable {
    /// The workspace root the tables' paths are relative to.
    public var root: String
    /// True once the stages that write tables have run (the second phase of `studyflow run`): a
    /// written table that cannot give levels is then an error instead of "expands after …".
    public var settled: Bool

    /// Reads tables under `root`.
    public init(root: String, settled: Bool = false) {
        self.root = root
        self.settled = settled
    }
}
