extension CoxConcordance {
    /// The same counts, concordance and infinitesimal-jackknife standard error as
    /// `computeByPairs`, from sorted sweeps over time with a Fenwick tree of score ranks.
    ///
    /// Within each stratum, a sweep from the latest time down gives, for every event, how many
    /// comparable later subjects score below, above and level with it; a sweep from the earliest
    /// time up gives, for every subject, how many comparable earlier events score above, below and
    /// level with it. Events tied on time (and on score) are counted from sorted runs.
    ///
    /// - Complexity: O(n log n) for n subjects.
    static func computeByTree(time: [Double], event: [Bool], riskScore: [Double], strata: [Int]?) -> CoxConcordance {
        let n = time.count
        var perConcordant = [Int](repeating: 0, count: n)
        var perDiscordant = perConcordant, perTied = perConcordant
        var concordant = 0, discordant = 0, tiedX = 0, tiedY = 0, tiedXY = 0

        // Subjects grouped by stratum.
        var groups: [[Int]]
        if let strata {
            var byStratum: [Int: [Int]] = [:]
            for k in 0..<n { byStratum[strata[k], default: []].append(k) }
            groups = byStratum.keys.sorted().map { byStratum[$0]! }
        } else {
            groups = [Array(0..<n)]
        }

        var rank = [Int](repeating: 0, count: n)
        for members in groups where !members.isEmpty {
            // Score ranks 1...m, equal scores sharing a rank.
            let scores = members.map { riskScore[$0] }
            var m = 0
            var previous = 0.0
            for (position, at) in StableOrder.ascending(scores).enumerated() {
                if position == 0 || scores[at] != previous { m += 1; previous = scores[at] }
                rank[members[at]] = m
            }
            // Time order; ties on time form runs. The sweeps below work on positions in this order
            // (rank, event and the per-subject counts laid out by position), so that they read and
            // write memory in sequence; the counts go back to subjects at the end.
            let times = members.map { time[$0] }
            let positions = StableOrder.ascending(times)
            let subjectAt = positions.map { members[$0] }
            let timeAt = positions.map { times[$0] }
            let size = subjectAt.count
            let rankAt = subjectAt.map { rank[$0] }
            let eventAt = subjectAt.map { event[$0] }
            var runs: [Range<Int>] = []
            var start = 0
            while start < size {
                var end = start + 1
                while end < size && timeAt[end] == timeAt[start] { end += 1 }
                runs.append(start..<end)
                start = end
            }
            var concordantAt = [Int](repeating: 0, count: size)
            var discordantAt = concordantAt, tiedAt = concordantAt

            // Events as the earlier member: later subjects and censorings at the same time.
            var tree = Fenwick(size: m)
            for run in runs.reversed() {
                for p in run where !eventAt[p] { tree.add(rankAt[p]) }
                for p in run where eventAt[p] {
                    let (below, level) = tree.belowAndAt(rankAt[p])
                    let above = tree.total - below - level
                    concordantAt[p] += below
                    tiedAt[p] += level
                    discordantAt[p] += above
                    concordant += below
                    tiedX += level
                    discordant += above
                }
                for p in run where eventAt[p] { tree.add(rankAt[p]) }
            }

            // Every subject as the later member: earlier events, and events at the same time for censorings.
            tree = Fenwick(size: m)
            var ranks: [Int] = []
            for run in runs {
                func credit(_ p: Int) {
                    let (below, level) = tree.belowAndAt(rankAt[p])
                    concordantAt[p] += tree.total - below - level
                    tiedAt[p] += level
                    discordantAt[p] += below
                }
                for p in run where eventAt[p] { credit(p) }
                for p in run where eventAt[p] { tree.add(rankAt[p]) }
                for p in run where !eventAt[p] { credit(p) }

                // Events at the same time: pairs, and those also level on score.
                ranks.removeAll(keepingCapacity: true)
                for p in run where eventAt[p] { ranks.append(rankAt[p]) }
                let events = ranks.count
                guard events > 1 else { continue }
                ranks.sort()
                var level = 0, i = 0
                while i < events {
                    var j = i + 1
                    while j < events && ranks[j] == ranks[i] { j += 1 }
                    level += (j - i) * (j - i - 1) / 2
                    i = j
                }
                tiedXY += level
                tiedY += events * (events - 1) / 2 - level
            }
            for p in 0..<size {
                let k = subjectAt[p]
                perConcordant[k] = concordantAt[p]
                perDiscordant[k] = discordantAt[p]
                perTied[k] = tiedAt[p]
            }
        }

        let pairs = Double(concordant + discordant + tiedX)
        let somers = Double(concordant - discordant) / pairs
        var variance = 0.0
        for k in 0..<n {
            let c = Double(perConcordant[k]), d = Double(perDiscordant[k]), t = Double(perTied[k])
            let dfbeta = (c - d) / pairs - somers * (c + d + t) / pairs
            variance += dfbeta * dfbeta
        }
        return CoxConcordance(
            concordance: (somers + 1) / 2, standardError: variance.squareRoot() / 2,
            concordant: concordant, discordant: discordant, tiedX: tiedX, tiedY: tiedY, tiedXY: tiedXY)
    }
}

/// Counts at positions 1...size, with prefix sums in O(log size). 32-bit counts halve the memory
/// a million-subject sweep jumps around in; the count at each single position is kept beside the
/// tree so that "below" and "level" take one walk, not two.
private struct Fenwick {
    private var counts: [Int32]
    private var exact: [Int32]
    private(set) var total = 0

    init(size: Int) {
        counts = [Int32](repeating: 0, count: size + 1)
        exact = counts
    }

    mutating func add(_ position: Int) {
        total += 1
        exact[position] += 1
        counts.withUnsafeMutableBufferPointer { counts in
            var i = position
            while i < counts.count {
                counts[i] += 1
                i += i & -i
            }
        }
    }

    /// How many are at positions below `position`, and how many at it.
    func belowAndAt(_ position: Int) -> (below: Int, at: Int) {
        var sum = 0, i = position
        counts.withUnsafeBufferPointer { counts in
            while i > 0 {
                sum += Int(counts[i])
                i -= i & -i
            }
        }
        let at = Int(exact[position])
        return (sum - at, at)
    }
}
