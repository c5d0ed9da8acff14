import StudyCore
import Testing
import _StudyTestSupport
@testable import StudyStages

/// ingest/csv types a declared column straight from the file's bytes (issue 20, item 8). Its
/// answers must be those of converting each cell's String: the same NA cells, values and errors,
/// whatever the spelling (spaces, tabs, exponents, non-ASCII digits, an NA token that is not ASCII).
@Suite struct IngestTypedCellsTests {
    static let spellings = ["1", " 2 ", "3.5", "1e3", "-0", "0", "1.0", "2.50", "\t4", "9007199254740993", "1e400",
                            "NA", " NA", "NA\t", "", " ", "—", " — ", "n/a", "x", "١", "1\u{301}", "TRUE", "false",
                            "yes", "é", "e\u{301}", "12345678901234567", "-7.25", "+3"]
    static let na: [String] = ["NA", "", "—", "n/a"]

    /// A one-column file `v` of `rows` random cells (no quotes: all spellings are bare-safe).
    static func cells(_ rows: Int, seed: UInt64, from pool: [String] = spellings) -> [String] {
        var random = SplitMix(seed: seed)
        return (0..<rows).map { _ in pool[Int.random(in: 0..<pool.count, using: &random)] }
    }

    /// What converting each cell's String gives: nil for NA, else the error or nothing.
    static func expectedErrors(_ cells: [String], as type: ColumnType) -> [String] {
        cells.enumerated().compactMap { (i, raw) -> String? in
            if na.contains(raw) || na.contains(NumberFormat.trimmed(raw)) { return nil }
            guard case .failure(let e) = Column.convert(raw, to: type) else { return nil }
            return "data/x.csv:\(i + 2): column 'v': '\(raw)' is not \(e.what)"
        }
    }

    static func run(_ cells: [String], type: ColumnType?) -> RawIngest {
        var with: [String: JSONValue] = ["na": .array(na.map { .string($0) })]
        if let type { with["columns"] = .object(["v": .object(["type": .string(type.rawValue)])]) }
        return RawIngest("v\n" + cells.map { $0 + "\n" }.joined(), with: .object(with))
    }

    @Test("a declared column fails on exactly the cells whose String does not convert, named by row and value", arguments: [ColumnType.number, .integer, .boolean])
    func errorsAsStrings(type: ColumnType) {
        for seed in 0..<60 as Range<UInt64> {
            let cells = Self.cells(15, seed: seed)
            let errors = Self.expectedErrors(cells, as: type)
            let run = Self.run(cells, type: type)
            if errors.isEmpty {
                #expect(run.outcome == .succeeded, "seed \(seed): \(run.message)")
            } else {
                #expect(run.message == errors.joined(separator: "\n"), "seed \(seed)")
            }
        }
    }

    @Test("a declared number or category column is written as the same column inferred from its Strings")
    func declaredAsInferred() {
        let numbers = Self.spellings.filter { Self.na.contains(NumberFormat.trimmed($0)) || NumberFormat.parse($0) != nil }
        let texts = Self.spellings.filter { NumberFormat.parse($0) == nil }
        for seed in 0..<60 as Range<UInt64> {
            for (type, pool) in [(ColumnType.number, numbers), (.category, texts + ["x", "x", "é"])] {
                let cells = Self.cells(40, seed: seed, from: pool)
                let declared = Self.run(cells, type: type), inferred = Self.run(cells, type: nil)
                #expect(declared.outcome == .succeeded && inferred.outcome == .succeeded, "seed \(seed) \(type)")
                #expect(declared.table == inferred.table, "seed \(seed) \(type)")
                #expect(declared.summary == inferred.summary, "seed \(seed) \(type)")
            }
        }
    }
}

/// A declared number column is kept as doubles and a declared category of few labels as codes
/// (`ColumnValues`, issue 20, item 8); neither may change a byte of the output or the summary.
@Suite struct IngestCompactColumnsTests {
    /// Two columns `n` (numbers, with NA) and `g` (labels from `labels`), `rows` rows.
    static func file(rows: Int, labels: [String], seed: UInt64) -> String {
        var random = SplitMix(seed: seed)
        let numbers = ["1", "-0", "+3", "2.5e2", " 4 ", "NA", "", "9007199254740993", "0.1", "-7.25"]
        return "n,g\n" + (0..<rows).map { _ in
            numbers[Int.random(in: 0..<numbers.count, using: &random)] + "," + labels[Int.random(in: 0..<labels.count, using: &random)] + "\n"
        }.joined()
    }

    /// The file read with `n` and `g` declared, and with both inferred (the general way).
    static func both(_ text: String, _ extra: [String: JSONValue] = [:]) -> (declared: RawIngest, inferred: RawIngest) {
        let types: JSONValue = .object(["n": .object(["type": .string("number")]), "g": .object(["type": .string("category")])])
        return (RawIngest(text, with: .object(extra.merging(["columns": types]) { a, _ in a })), RawIngest(text, with: .object(extra)))
    }

    @Test("a category of few labels (NA, spaces, canonically equal spellings) writes what the general path writes",
          arguments: [["A", "B", "NA", " B", "é", "e\u{301}", "3", "true", "x y"], (0..<40).map { "L\($0)" }])
    func codedLabels(labels: [String]) {
        for seed in 0..<20 as Range<UInt64> {
            let (declared, inferred) = Self.both(Self.file(rows: 60, labels: labels, seed: seed))
            #expect(declared.outcome == .succeeded, "seed \(seed): \(declared.message)")
            #expect(declared.table == inferred.table, "seed \(seed)")
            #expect(declared.summary == inferred.summary, "seed \(seed)")
        }
    }

    @Test("NA tokens that are numbers (-99, 0) stay NA in a declared number column; numbers as long as them do not")
    func numericNATokens() {
        let text = "n,g\n-99,a\n-98,a\n 0,b\n0,b\n1e3,a\n+0,b\n-99.0,a\n0.5,b\n"
        let na: JSONValue = .array([.string("-99"), .string("0"), .string("NA")])
        let (declared, inferred) = Self.both(text, ["na": na])
        #expect(declared.table == "n,g\nNA,a\n-98,a\nNA,b\nNA,b\n1000,a\n0,b\n-99,a\n0.5,b\n")
        #expect(declared.table == inferred.table)
        #expect(declared.summary == inferred.summary)
    }

    @Test("require and filter drop the same rows from compact columns, and a level no kept row uses leaves the summary")
    func filtered() {
        let text = "n,g\n1,A\nNA,B\n3,B\n4,C\n5,A\n"
        let (declared, inferred) = Self.both(text, ["require": .array([.string("n")]), "filter": .string("g != \"B\"")])
        #expect(declared.table == "n,g\n1,A\n4,C\n5,A\n")
        #expect(declared.table == inferred.table)
        #expect(declared.summary == inferred.summary)
        #expect(declared.summary?.contains("\"levels\":[\"A\",\"C\"]") == true, "\(declared.summary ?? "")")
    }
}
