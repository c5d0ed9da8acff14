import StudyStats
import Testing
import _StudyTestSupport
@testable import StudyStages

/// `SurvivalTable` types cells from the file's bytes instead of keeping rows of Strings (issue 20,
/// item 8). Every answer must be the one the String cells gave: the String way is written out
/// here as the reference (as `SurvivalTable` did it before) and compared over a seeded corpus of
/// awkward cells: spaces, tabs, case, exponents, non-ASCII digits and marks, NA spellings.
@Suite struct SurvivalTableBytesTests {
    static let cells = ["0", "1", " 1", "1 ", "\t0", "1.0", "0e0", "1e0", "-0", "2", "-7", "3.25", " 4.5e1 ", "1e400",
                        "TRUE", "true", " True ", "fAlSe", "FALSE\t", "yes", "NA", " NA ", "na", "", " ", "١", "１",
                        "1\u{301}", " \u{301}", "İ", "\"7\"", "\"NA\"", "\"\"", "\" 2 \"", "x y", "12345678901234567"]

    /// A table of `rows` rows and four columns of random cells from `cells`.
    static func table(rows: Int, seed: UInt64) -> String {
        var random = SplitMix(seed: seed)
        var text = "a, b ,c,d\n"
        for _ in 0..<rows {
            text += (0..<4).map { _ in cells[Int.random(in: 0..<cells.count, using: &random)] }.joined(separator: ",") + "\n"
        }
        return text
    }

    /// What the String cells said, as `SurvivalTable` computed it before reading bytes.
    struct Reference {
        let table: SurvivalTable

        func cell(_ r: Int, _ c: Int) -> String { table.rows[r][c] }

        func completeRows(_ columns: [Int]) -> [Int] {
            table.rows.indices.filter { r in columns.allSatisfy { !SurvivalTable.isMissing(cell(r, $0)) } }
        }

        func survival(time: Int, event: Int, rows selected: [Int]) -> Result<SurvivalData, SurvivalStageError> {
            var times = [Double](), events = [Bool]()
            for r in selected {
                let cell = NumberFormat.trimmed(self.cell(r, time))
                guard let t = NumberFormat.parse(cell) else {
                    return .failure(SurvivalStageError("column '\(table.header[time])' (time) is not numeric: line \(table.lines[r]) has '\(cell)'"))
                }
                guard t >= 0 else {
                    return .failure(SurvivalStageError("column '\(table.header[time])' (time) has a negative time: line \(table.lines[r]) has '\(cell)'"))
                }
                times.append(t)
                let e = NumberFormat.trimmed(self.cell(r, event))
                switch e.lowercased() {
                case "true": events.append(true)
                case "false": events.append(false)
                default:
                    switch NumberFormat.parse(e) {
                    case 1: events.append(true)
                    case 0: events.append(false)
                    default:
                        return .failure(SurvivalStageError("column '\(table.header[event])' (event) must be 0/1 or true/false: line \(table.lines[r]) has '\(e)'"))
                    }
                }
            }
            return .success(SurvivalData(time: times, event: events))
        }
    }

    static func load(_ text: String) throws -> SurvivalTable {
        let dir = TemporaryDirectory()
        dir.write("t.csv", text)
        return try SurvivalTable.load(dir.path + "/t.csv")
    }

    @Test("complete rows, labels, numbers and survival data from bytes equal those from String cells, over 400 random tables")
    func sameAsStringCells() throws {
        var differences: [String] = []
        for seed in 0..<400 as Range<UInt64> {
            let table = try Self.load(Self.table(rows: 12, seed: seed))
            let reference = Reference(table: table)
            #expect(table.header == ["a", "b", "c", "d"])
            for columns in [[0], [1, 2], [3], [0, 1, 2, 3]] where table.completeRows(columns) != reference.completeRows(columns) {
                differences.append("seed \(seed): complete rows of \(columns)")
            }
            let all = Array(table.rows.indices)
            for c in 0..<4 {
                let labels = all.map { NumberFormat.trimmed(reference.cell($0, c)) }
                if table.labels(c, rows: all) != labels { differences.append("seed \(seed): labels of column \(c)") }
                if table.numbers(c, rows: all).map({ $0?.bitPattern }) != labels.map({ NumberFormat.parse($0)?.bitPattern }) {
                    differences.append("seed \(seed): numbers of column \(c)")
                }
                // All numbers or nil, with the same bits: what survival/cox types a covariate by.
                let parsed = labels.map { NumberFormat.parse($0) }
                let whole = parsed.contains(nil) ? nil : parsed.map { $0!.bitPattern }
                if table.numericColumn(c, rows: all)?.map(\.bitPattern) != whole {
                    differences.append("seed \(seed): numeric column \(c)")
                }
            }
            for (time, event) in [(0, 1), (2, 3), (1, 0)] {
                let rows = reference.completeRows([time, event])
                guard !rows.isEmpty else { continue }
                let ours = Result { () throws(SurvivalStageError) in try table.survival(time: time, event: event, rows: rows, used: [time, event]) }
                let theirs = reference.survival(time: time, event: event, rows: rows)
                if "\(ours)" != "\(theirs)" { differences.append("seed \(seed): survival(\(time), \(event)): \(ours) vs \(theirs)") }
            }
        }
        #expect(differences.prefix(5) == [])
    }

    @Test("a row as wide as the header is required, named by its line; rows read back as their cells")
    func widthAndRows() throws {
        #expect(throws: SurvivalStageError.self) { try Self.load("t,e\n1,1\n2\n") }
        do {
            _ = try Self.load("t,e\n1,1\n\n\"x\ny\",1\n2\n")
        } catch let error as SurvivalStageError {
            #expect(error.message == "input table line 6 has 1 fields but the header has 2")
        }
        let table = try Self.load("t,e\n\"a\"\"b\",1\n\n 3 ,\"\"\n")
        #expect(table.rows.count == 2)
        #expect(table.rows.map { Array($0) } == [["a\"b", "1"], [" 3 ", ""]])
        #expect(table.lines == [2, 4])
    }
}
