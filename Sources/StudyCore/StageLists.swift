/// One short list of stage ids per stage (a graph's dependencies, dependents or input producers),
/// kept in two flat arrays instead of an array per stage: at 100,000 fan-out instances that was
/// 300,000 small heap blocks, held by every run and dry run.
///
/// `lists[i]` is stage `i`'s list as a zero-based `StageIDs` view; both compare equal to the
/// array literals they were made from (`graph.dependencies == [[], [0]]`).
public struct StageLists: RandomAccessCollection, Sendable, Equatable, ExpressibleByArrayLiteral {
    /// Every list's ids, one list after another.
    private var ids: [Int32] = []
    /// `ends[i]`: where list `i` ends in `ids` (it starts where list `i - 1` ends).
    private var ends: [Int] = []

    /// No lists.
    public init() {}

    /// The lists `lists`, in order.
    public init(_ lists: [[Int32]]) {
        ids.reserveCapacity(lists.reduce(0) { $0 + $1.count })
        ends.reserveCapacity(lists.count)
        for list in lists { append(list) }
    }

    /// The lists written as a literal, `[[], [0], [0, 1]]`.
    public init(arrayLiteral elements: [Int32]...) { self.init(elements) }

    /// Room for `lists` lists holding `ids` ids in all.
    public mutating func reserveCapacity(lists: Int, ids count: Int) {
        ends.reserveCapacity(lists)
        ids.reserveCapacity(count)
    }

    /// Adds a list after the last one.
    public mutating func append(_ list: some Sequence<Int32>) {
        ids.append(contentsOf: list)
        ends.append(ids.count)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { ends.count }

    /// List `index`.
    public subscript(index: Int) -> StageIDs {
        StageIDs(storage: ids, lower: index == 0 ? 0 : ends[index - 1], upper: ends[index])
    }

    /// For each stage, the stages whose lists hold it (each reversed edge, in stage order): the
    /// dependents of a graph from its dependencies.
    /// - Complexity: O(stages + ids).
    public func reversed(count: Int) -> StageLists {
        var sizes = [Int](repeating: 0, count: count)
        for id in ids { sizes[Int(id)] += 1 }
        var result = StageLists()
        result.ends.reserveCapacity(count)
        var end = 0
        for size in sizes { end += size; result.ends.append(end) }
        result.ids = [Int32](repeating: 0, count: end)
        var next = [Int](repeating: 0, count: count)
        for stage in 0..<count { next[stage] = stage == 0 ? 0 : result.ends[stage - 1] }
        for stage in indices {
            for id in self[stage] {
                result.ids[next[Int(id)]] = Int32(stage)
                next[Int(id)] += 1
            }
        }
        return result
    }
}

/// One stage's list in a `StageLists`: zero-based, without a heap block of its own.
public struct StageIDs: RandomAccessCollection, Sendable, Equatable, ExpressibleByArrayLiteral, CustomStringConvertible {
    private let storage: [Int32]
    private let lower: Int
    private let upper: Int

    init(storage: [Int32], lower: Int, upper: Int) {
        self.storage = storage
        self.lower = lower
        self.upper = upper
    }

    /// The ids written as a literal, `[0, 2]`.
    public init(arrayLiteral elements: Int32...) {
        self.init(storage: elements, lower: 0, upper: elements.count)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { upper - lower }
    public subscript(index: Int) -> Int32 {
        precondition(index >= 0 && index < upper - lower, "stage list index out of range")
        return storage[lower + index]
    }

    public static func == (a: StageIDs, b: StageIDs) -> Bool { a.elementsEqual(b) }

    /// As an array prints: `[0, 2]`.
    public var description: String { Array(self).description }
}
