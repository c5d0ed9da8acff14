/// The type of a column in normalized output.
enum ColumnType: String, CaseIterable, Sendable {
    case number, integer, category, string, boolean
}

/// One typed output column: its name, type and a value per kept row.
struct Column: Sendable {
    var name: String
    var type: ColumnType
    var values: ColumnValues

    /// A column of `values`.
    init(name: String, type: ColumnType, values: ColumnValues) {
        self.name = name
        self.type = type
        self.values = values
    }

    /// A column of `values`, kept as they are.
    init(name: String, type: ColumnType, values: [CellValue]) {
        self.init(name: name, type: type, values: ColumnValues(values))
    }

    /// The number of NA values.
    var naCount: Int { values.naCount }

    /// The distinct non-NA values of a category column, sorted; nil for other types.
    var levels: [String]? {
        guard type == .category else { return nil }
        return values.distinctTexts.sorted()
    }

    /// The distinct strings of `labels`, in no particular order. A factor has few levels: they are
    /// found by comparing with the ones seen so far, and only past `few` of them by hashing, since
    /// hashing a million cells of a four-level column was a noticeable part of an ingest.
    static func distinct<S: Sequence<String>>(_ labels: S, few: Int = 16) -> [String] {
        var seen: [String] = []
        var iterator = labels.makeIterator()
        while let label = iterator.next() {
            if seen.contains(label) { continue }
            guard seen.count < few else {
                var all = Set(seen)
                all.insert(label)
                while let next = iterator.next() { all.insert(next) }
                return Array(all)
            }
            seen.append(label)
        }
        return seen
    }

    /// A cell as written in the normalized CSV.
    static func text(_ value: CellValue) -> String {
        switch value {
        case .na: return "NA"
        case .number(let d): return NumberFormat.format(d)
        case .text(let s): return s
        case .bool(let b): return b ? "true" : "false"
        }
    }

    /// Converts a raw cell to `type`, or describes why it is not one (`is not a number`).
    static func convert(_ raw: String, to type: ColumnType) -> Result<CellValue, ConversionError> {
        switch type {
        case .category, .string: return .success(.text(raw))
        case .number:
            guard let d = NumberFormat.parse(raw) else { return .failure(ConversionError(what: "a number")) }
            return .success(.number(d))
        case .integer:
            guard let d = NumberFormat.parse(raw), d == d.rounded(), Swift.abs(d) <= 9_007_199_254_740_992 else {
                return .failure(ConversionError(what: "an integer"))
            }
            return .success(.number(d))
        case .boolean:
            switch NumberFormat.trimmed(raw).lowercased() {
            case "true", "t", "yes", "y", "1": return .success(.bool(true))
            case "false", "f", "no", "n", "0": return .success(.bool(false))
            default: return .failure(ConversionError(what: "a boolean (true/false, yes/no, 1/0)"))
            }
        }
    }

    /// Why a raw cell does not convert.
    struct ConversionError: Error {
        var what: String
    }

    /// The type of a derived column from its values: boolean or number when all non-NA values are,
    /// otherwise category.
    static func inferDerived(_ values: [CellValue]) -> ColumnType {
        var sawBool = false, sawNumber = false, sawText = false
        for v in values {
            switch v {
            case .na: break
            case .bool: sawBool = true
            case .number: sawNumber = true
            case .text: sawText = true
            }
        }
        if sawText || (sawBool && sawNumber) { return .category }
        return sawBool ? .boolean : .number
    }
}
