import Foundation

/// A reference data set and what R's `survival` computed on it (Tests/StudyStatsTests/Reference).
struct ReferenceData {
    /// Column name → values; empty cells (R's NA) and text are `nil`.
    let columns: [String: [Double?]]
    /// Column name → cells as text (labels such as colon's `rx`); empty cells and `NA` are `nil`.
    let text: [String: [String?]]
    /// The parsed `NAME.r-survival.json`.
    let r: [String: Any]

    static let names = ["lung", "ovarian", "colon", "rossi"]

    /// Loads `NAME.csv` and `RESULTS.r-survival.json` (`RESULTS` defaults to `NAME`).
    static func load(_ name: String, results: String? = nil) throws -> ReferenceData {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Reference")
        let csv = try String(contentsOf: directory.appendingPathComponent(name + ".csv"), encoding: .utf8)
        var lines = csv.split(whereSeparator: \.isNewline).map(String.init)
        let header = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        var columns = [String: [Double?]]()
        var text = [String: [String?]]()
        for name in header { columns[name] = []; text[name] = [] }
        for line in lines {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            for (i, name) in header.enumerated() {
                let cell = i < cells.count ? cells[i].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) : ""
                let missing = cell.isEmpty || cell == "NA"
                columns[name]!.append(missing ? nil : Double(cell))
                text[name]!.append(missing ? nil : cell)
            }
        }
        let data = try Data(contentsOf: directory.appendingPathComponent((results ?? name) + ".r-survival.json"))
        let r = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return ReferenceData(columns: columns, text: text, r: r)
    }

    /// The value at a path of keys and indices into the R results, e.g. `["cox", "univariable", "efron"]`.
    func value(_ path: [Any]) -> Any? {
        var current: Any? = r
        for step in path {
            if let key = step as? String { current = (current as? [String: Any])?[key] }
            else if let index = step as? Int { current = (current as? [Any]).flatMap { index < $0.count ? $0[index] : nil } }
        }
        return current
    }
}

/// `|a - b| <= absolute` or `|a - b| <= relative * |b|`.
func close(_ a: Double?, _ b: Double?, relative: Double = 0, absolute: Double = 0) -> Bool {
    switch (a, b) {
    case (nil, nil): return true
    case let (x?, y?):
        if x.isNaN && y.isNaN { return true }
        if x == y { return true }
        return abs(x - y) <= max(absolute, relative * abs(y))
    default: return false
    }
}
