/// A line diff of two texts (Myers' O((N+M)·D) algorithm after trimming the common head and
/// tail), printed as `diff -u` prints it, and counted as edited / added / removed lines for the
/// one-line summaries of `diff PATH` ("12 rows edited").
public struct UnifiedDiff: Sendable {
    /// One line of the edit script.
    enum Edit: Equatable {
        case same(Int, Int)
        case removed(Int)
        case added(Int)
    }

    let old: [Substring]
    let new: [Substring]
    let edits: [Edit]

    /// Beyond this many differing lines the edit script is not minimised: the differing middle is
    /// shown as removed, then added (still a correct diff), so a rewritten file costs no quadratic time.
    static let maximumEditDistance = 1_000

    /// Compares two texts line by line.
    public init(old: String, new: String) {
        self.old = Self.lines(old)
        self.new = Self.lines(new)
        edits = Self.script(self.old, self.new)
    }

    static func lines(_ text: String) -> [Substring] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// Lines changed in place, added and removed: within each run of removals and additions, the
    /// shorter side counts as edited, the rest as added or removed.
    public var counts: (edited: Int, added: Int, removed: Int) {
        var edited = 0, added = 0, removed = 0
        var minus = 0, plus = 0
        func flush() {
            edited += min(minus, plus)
            removed += max(0, minus - plus)
            added += max(0, plus - minus)
            minus = 0; plus = 0
        }
        for edit in edits {
            switch edit {
            case .removed: minus += 1
            case .added: plus += 1
            case .same: flush()
            }
        }
        flush()
        return (edited, added, removed)
    }

    /// Whether the texts have equal lines.
    public var isEmpty: Bool { edits.allSatisfy { if case .same = $0 { return true }; return false } }

    /// `--- a/PATH`, `+++ b/PATH` and `@@` hunks with `context` lines around each change.
    public func unified(oldName: String, newName: String, context: Int = 3) -> String {
        guard !isEmpty else { return "" }
        var out = "--- \(oldName)\n+++ \(newName)\n"
        // Lines of each side before edit i, for the hunk headers.
        var positions: [(old: Int, new: Int)] = []
        var i = 0, j = 0
        for edit in edits {
            positions.append((i, j))
            switch edit {
            case .same: i += 1; j += 1
            case .removed: i += 1
            case .added: j += 1
            }
        }
        var index = 0
        while index < edits.count {
            guard let firstChange = edits[index...].firstIndex(where: { if case .same = $0 { return false }; return true }) else { break }
            let start = max(index, firstChange - context)
            var end = firstChange
            var quiet = 0
            while end < edits.count {
                if case .same = edits[end] { quiet += 1; if quiet > 2 * context { end += 1; break } } else { quiet = 0 }
                end += 1
            }
            end = min(edits.count, end - max(0, quiet - context))
            out += hunk(edits[start..<end], at: positions[start])
            index = end
        }
        return out
    }

    private func hunk(_ slice: ArraySlice<Edit>, at position: (old: Int, new: Int)) -> String {
        var oldCount = 0, newCount = 0
        var body = ""
        for edit in slice {
            switch edit {
            case .same(let i, _): oldCount += 1; newCount += 1; body += " \(old[i])\n"
            case .removed(let i): oldCount += 1; body += "-\(old[i])\n"
            case .added(let j): newCount += 1; body += "+\(new[j])\n"
            }
        }
        func range(_ start: Int, _ count: Int) -> String {
            count == 0 ? "\(start),0" : count == 1 ? "\(start + 1)" : "\(start + 1),\(count)"
        }
        return "@@ -\(range(position.old, oldCount)) +\(range(position.new, newCount)) @@\n" + body
    }

    /// The edit script: common head and tail kept, Myers on the middle.
    static func script(_ a: [Substring], _ b: [Substring]) -> [Edit] {
        var head = 0
        while head < a.count, head < b.count, a[head] == b[head] { head += 1 }
        var tail = 0
        while tail < a.count - head, tail < b.count - head, a[a.count - 1 - tail] == b[b.count - 1 - tail] { tail += 1 }
        var edits = (0..<head).map { Edit.same($0, $0) }
        edits += middle(a, b, from: head, oldEnd: a.count - tail, newEnd: b.count - tail)
        edits += (0..<tail).map { Edit.same(a.count - tail + $0, b.count - tail + $0) }
        return edits
    }

    /// Myers' greedy forward search with the V array of every round kept for the backtrack.
    private static func middle(_ a: [Substring], _ b: [Substring], from start: Int, oldEnd: Int, newEnd: Int) -> [Edit] {
        let n = oldEnd - start, m = newEnd - start
        let replaced = (start..<oldEnd).map(Edit.removed) + (start..<newEnd).map(Edit.added)
        if n == 0 || m == 0 { return replaced }
        let limit = min(n + m, maximumEditDistance)
        let offset = limit + 1
        var v = [Int](repeating: 0, count: 2 * limit + 3)
        var trace: [[Int]] = []
        var found = false
        search: for d in 0...limit {
            trace.append(v)
            for k in stride(from: -d, through: d, by: 2) {
                var x = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) ? v[offset + k + 1] : v[offset + k - 1] + 1
                var y = x - k
                while x < n, y < m, a[start + x] == b[start + y] { x += 1; y += 1 }
                v[offset + k] = x
                if x >= n, y >= m { found = true; break search }
            }
        }
        guard found else { return replaced }
        var edits: [Edit] = []
        var x = n, y = m
        for d in stride(from: trace.count - 1, to: 0, by: -1) {
            let v = trace[d]
            let k = x - y
            let down = k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])
            let previousK = down ? k + 1 : k - 1
            let previousX = v[offset + previousK], previousY = previousX - previousK
            while x > previousX, y > previousY { x -= 1; y -= 1; edits.append(.same(start + x, start + y)) }
            if down { y -= 1; edits.append(.added(start + y)) } else { x -= 1; edits.append(.removed(start + x)) }
        }
        while x > 0, y > 0 { x -= 1; y -= 1; edits.append(.same(start + x, start + y)) }
        return edits.reversed()
    }
}
