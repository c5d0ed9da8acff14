/// The cells of one ingest column, stored by what they hold: a typed number column as plain
/// doubles, a category of few labels as a code per cell, anything else as `CellValue`s.
///
/// Why: a million-row file has millions of cells, and as 24-byte `CellValue`s (with a switch per
/// cell to destroy them) their memory alone was a third of an ingest's CPU, most of it the kernel
/// handing out fresh pages (issue 20, item 8). Doubles take 8 bytes and codes 4; a label's output
/// spelling is then decided once, not per cell. Every view (`subscript`, iteration) gives the same
/// `CellValue`s as the plain storage would, so derive, filter and the summary cannot tell.
struct ColumnValues: RandomAccessCollection, Sendable {
    /// How the cells are kept.
    enum Storage: Sendable {
        /// Any cells.
        case cells([CellValue])
        /// Numbers, NA as NaN: parsing never yields a NaN (`NumberFormat.parse` accepts finite
        /// values only), so only typed cells of a `number` or `integer` column are kept this way.
        case numbers([Double])
        /// Text: per cell an index into `labels` (the distinct cells by bytes, first seen first)
        /// or -1 for NA.
        case codes([Int32], labels: [String])
    }

    private(set) var storage: Storage

    init(_ cells: [CellValue]) { storage = .cells(cells) }
    init(storage: Storage) { self.storage = storage }

    var startIndex: Int { 0 }
    var endIndex: Int {
        switch storage {
        case .cells(let cells): cells.count
        case .numbers(let numbers): numbers.count
        case .codes(let codes, _): codes.count
        }
    }

    subscript(index: Int) -> CellValue {
        switch storage {
        case .cells(let cells): return cells[index]
        case .numbers(let numbers): return numbers[index].isNaN ? .na : .number(numbers[index])
        case .codes(let codes, let labels): return codes[index] < 0 ? .na : .text(labels[Int(codes[index])])
        }
    }

    /// The number of NA cells.
    var naCount: Int {
        var count = 0
        switch storage {
        case .cells(let cells): for case .na in cells { count += 1 }
        case .numbers(let numbers): for d in numbers where d.isNaN { count += 1 }
        case .codes(let codes, _): for c in codes where c < 0 { count += 1 }
        }
        return count
    }

    /// The distinct non-NA texts, in no particular order, with String equality (`Column.distinct`).
    var distinctTexts: [String] {
        switch storage {
        case .cells(let cells): return Column.distinct(cells.lazy.compactMap { if case .text(let s) = $0 { s } else { nil } })
        case .numbers: return []
        case .codes(let codes, let labels):
            // Only labels some kept cell still uses (a filter may have dropped every row of one).
            var used = [Bool](repeating: false, count: labels.count)
            for c in codes where c >= 0 { used[Int(c)] = true }
            return Column.distinct(labels.indices.lazy.filter { used[$0] }.map { labels[$0] })
        }
    }

    /// The cells whose `keep` entry is true, in order.
    func filtered(_ keep: [Bool]) -> ColumnValues {
        switch storage {
        case .cells(let cells): return ColumnValues(zip(cells, keep).compactMap { $1 ? $0 : nil })
        case .numbers(let numbers): return ColumnValues(storage: .numbers(zip(numbers, keep).compactMap { $1 ? $0 : nil }))
        case .codes(let codes, let labels):
            return ColumnValues(storage: .codes(zip(codes, keep).compactMap { $1 ? $0 : nil }, labels: labels))
        }
    }
}

/// Builds the codes of a text column from cell bytes, up to `limit` distinct labels; past that
/// the caller keeps `CellValue`s instead (a column of identifiers gains nothing from codes).
struct LabelCoder {
    private(set) var codes: [Int32] = []
    private(set) var labels: [String] = []
    private var labelBytes: [[UInt8]] = []
    private var last: (range: Range<Int>, code: Int32)?
    let limit: Int

    init(capacity: Int, limit: Int = 32) {
        codes.reserveCapacity(capacity)
        self.limit = limit
    }

    /// Appends an NA cell.
    mutating func appendNA() { codes.append(-1) }

    /// Appends the text cell at `range` of `bytes`; false (nothing appended) when it would be label
    /// number `limit + 1`.
    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>) -> Bool {
        let cell = UnsafeBufferPointer(rebasing: bytes[range])
        // A run of equal cells (a grouped file) is decided by one comparison with the last cell.
        if let last, bytes[last.range].elementsEqual(cell) {
            codes.append(last.code)
            return true
        }
        var code = -1
        for (k, label) in labelBytes.enumerated() where label.count == cell.count && label.elementsEqual(cell) {
            code = k
            break
        }
        if code < 0 {
            guard labels.count < limit else { return false }
            code = labels.count
            labelBytes.append(Array(cell))
            labels.append(String(decoding: cell, as: UTF8.self))
        }
        codes.append(Int32(code))
        last = (range, Int32(code))
        return true
    }

    /// The cells so far as `CellValue`s, for a column that outgrew `limit`.
    var cells: [CellValue] {
        codes.map { $0 < 0 ? .na : .text(labels[Int($0)]) }
    }
}
