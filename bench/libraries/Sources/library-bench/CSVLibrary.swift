
import Foundation
import StudyCore
@testable import StudyStages
import SwiftCSV

/// One reader doing ingest/csv's job: every record of a file, kept in memory as fields of text
/// (ingest needs all rows before it can type a column).
enum CSVLibrary: String, CaseIterable {
    case ours, swiftcsv, csvswift

    /// The name in the table.
    var label: String {
        switch self {
        case .ours: "studyflow CSVReader"
        case .swiftcsv: "SwiftCSV 0.10.0"
        case .csvswift: "CSV.swift 2.5.2"
        }
    }

    /// Reads `file` as the stage would (the whole file, then every record); returns the number of
    /// records (header included) and of fields.
    func read(file: String) -> (rows: Int, fields: Int) {
        switch self {
        case .ours:
            guard let bytes = FileIO.read(file) else { fatalError("cannot read \(file)") }
            let records = try! StudyStages.CSVReader(delimiter: UInt8(ascii: ",")).records(bytes)
            return (records.count, records.reduce(0) { $0 + $1.fields.count })
        case .swiftcsv:
            let csv = try! EnumeratedCSV(url: URL(fileURLWithPath: file), delimiter: .comma, loadColumns: false)
            return (csv.rows.count + 1, csv.rows.reduce(csv.header.count) { $0 + $1.count })
        case .csvswift:
            guard let stream = InputStream(fileAtPath: file) else { fatalError("cannot open \(file)") }
            let reader = try! YaslabCSVReader(stream: stream)
            var rows: [[String]] = []
            while let row = reader.next() { rows.append(row) }
            // On Linux a file InputStream reports bytes available at its end, so CSV.swift ends
            // every file with `cannotReadFile`; the record count (checked against ours by the
            // section script) tells whether anything was lost.
            if let error = reader.error {
                FileHandle.standardError.write(Data("CSV.swift: stopped with \(error) after \(rows.count) records\n".utf8))
            }
            return (rows.count, rows.reduce(0) { $0 + $1.count })
        }
    }

    /// What the reader makes of `bytes`: its records, or its error, as one line.
    func outcome(_ bytes: [UInt8]) -> String {
        switch self {
        case .ours:
            do throws(StudyStages.CSVReader.Failure) {
                let records = try StudyStages.CSVReader(delimiter: UInt8(ascii: ",")).records(bytes)
                return show(records.map(\.fields))
            } catch {
                return "error: line \(error.row): \(error.message)"
            }
        case .swiftcsv:
            // From a file, as the stage would read it: the library decodes it to a String first.
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("library-bench-\(getpid()).csv")
            defer { try? FileManager.default.removeItem(at: url) }
            do {
                try Data(bytes).write(to: url)
                let csv = try EnumeratedCSV(url: url, delimiter: .comma, loadColumns: false)
                return show([csv.header] + csv.rows)
            } catch let error as CSVParseError {
                return "error: \(error)"
            } catch {
                return "error: \(error.localizedDescription)"
            }
        case .csvswift:
            let stream = InputStream(data: Data(bytes))
            do {
                let reader = try YaslabCSVReader(stream: stream)
                var rows: [[String]] = []
                while let row = reader.next() { rows.append(row) }
                if let error = reader.error { return show(rows) + " then error: \(error)" }
                return show(rows)
            } catch {
                return "error: \(error)"
            }
        }
    }

    private func show(_ rows: [[String]]) -> String {
        rows.map { "[" + $0.map { String(reflecting: $0) }.joined(separator: ", ") + "]" }.joined(separator: " ")
    }
}

/// The inputs where CSV readers differ, each through every reader, printed as they come out.
enum CSVFeatures {
    static let cases: [(String, [UInt8])] = [
        ("quoted field with a newline", Array("a,b\n\"x\ny\",2\n".utf8)),
        ("CRLF line ends", Array("a,b\r\n1,2\r\n".utf8)),
        ("UTF-8 byte-order mark", [0xEF, 0xBB, 0xBF] + Array("a,b\n1,2\n".utf8)),
        ("invalid UTF-8 (Latin-1 é) on line 3", Array("a,b\n1,2\n3,caf".utf8) + [0xE9] + Array("\n".utf8)),
        ("unterminated quote on line 3", Array("a,b\n1,2\n3,\"open\n4,5\n".utf8)),
        ("quote inside an unquoted field", Array("a,b\n1,x\"y\n".utf8)),
        ("text after a closing quote", Array("a,b\n1,\"x\"y\n".utf8)),
        ("quoted number \"1\" vs bare 1", Array("a,b\n\"1\",1\n".utf8)),
    ]

    static func printTable() {
        for (name, bytes) in cases {
            print("  \(name):")
            for library in CSVLibrary.allCases {
                print("    \(library.label.padding(toLength: 20, withPad: " ", startingAt: 0)) \(library.outcome(bytes))")
            }
        }
        print("  quoted or bare: ours keeps it per field (Record.isQuoted, which ingest's type inference reads);")
        print("  SwiftCSV and CSV.swift return [String] rows only, so \"1\" and 1 are the same value.")
    }
}
