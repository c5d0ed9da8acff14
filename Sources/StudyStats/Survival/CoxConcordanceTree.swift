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
        var pairs = PairCounts()
        var rank = [Int](repeating: 0, count: n)
        for members in stratumGroups(count: n, strata: strata) where !members.isEmpty {
            let m = rankScores(members, riskScore: riskScore, into: &rank)
            // Time order; ties on time form runs. The sweeps below work on positions in this order
            // (rank, event and the per-subject counts laid out by position), so that they read and
            // write memory in sequence; the counts go back to subjects at the end.
            let times = members.map { time[$0] }
            let positions = StableOrder.ascending(times)
            let subjectAt = positions.map { members[$0] }
            var sweep = TimeOrderedSweep(timeAt: positions.map { times[$0] }, rankAt: subjectAt.map { rank[$0] },
                                         eventAt: subjectAt.map { event[$0] }, ranks: m)
            sweep.countLaterSubjects(into: &pairs)
            sweep.countEarlierEvents(into: &pairs)
            for p in 0..<subjectAt.count {
                let k = subjectAt[p]
                perConcordant[k] = sweep.concordantAt[p]
                perDiscordant[k] = sweep.discordantAt[p]
                perTied[k] = sweep.tiedAt[p]
            }
        }

        let total = Double(pairs.concordant + pairs.discordant + pairs.tiedX)
        let somers = Double(pairs.concordant - pairs.discordant) / total
        var variance = 0.0
        for k in 0..<n {
            let c = Double(perConcordant[k]), d = Double(perDiscordant[k]), t = Double(perTied[k])
            let dfbeta = (c - d) / total - somers * (c + d + t) / total
            variance += dfbeta * dfbeta
        }
        return pairs.concordance(somers: somers, variance: variance)
    }

    /// Ranks 1...m of the members' scores (equal scores share a rank) written into `rank` by
    /// subject; returns m.
    private static func rankScores(_ members: [Int], riskScore: [Double], into rank: inout [Int]) -> Int {
        let scores = members.map { riskScore[$0] }
        var m = 0
        var previous = 0.0
        for (position, at) in StableOrder.ascending(scores).enumerated() {
            if position == 0 || scores[at] != previous { m += 1; previous = scores[at] }
            rank[members[at]] = m
        }
        return m
    }
}

/// One stratum laid out in time order, with its runs of equal times and the per-position counts
/// the two sweeps of `computeByTree` fill in.
private struct TimeOrderedSweep: PerSubjectPairs {
    let rankAt: [Int]
    let eventAt: [Bool]
    let ranks: Int
    let runs: [Range<Int>]
    var concordantAt: [Int]
    var discordantAt: [Int]
    var tiedAt: [Int]

    init(timeAt: [Double], rankAt: [Int], eventAt: [Bool], ranks: Int) {
        self.rankAt = rankAt
        self.eventAt = eventAt
        self.ranks = ranks
        let size = timeAt.count
        var runs: [Range<Int>] = []
        var start = 0
        while start < size {
            var end = start + 1
            while end < size && timeAt[end] == timeAt[start] { end += 1 }
            runs.append(start..<end)
            start = end
        }
        self.runs = runs
        concordantAt = [Int](repeating: 0, count: size)
        discordantAt = concordantAt
        tiedAt = concordantAt
    }

    /// Events as the earlier member: later subjects and censorings at the same time.
    mutating func countLaterSubjects(into pairs: inout PairCounts) {
        var tree = Fenwick(size: ranks)
        for run in runs.reversed() {
            for p in run where !eventAt[p] { tree.add(rankAt[p]) }
            for p in run where eventAt[p] {
                let (below, level) = tree.belowAndAt(rankAt[p])
                let above = tree.total - below - level
                countEvent(p, below: below, level: level, above: above, pairs: &pairs)
            }
            for p in run where eventAt[p] { tree.add(rankAt[p]) }
        }
    }

    /// Every subject as the later member: earlier events, and events at the same time for
    /// censorings; and events tied on time (and on score).
    mutating func countEarlierEvents(into pairs: inout PairCounts) {
        var tree = Fenwick(size: ranks)
        var sameTime: [Int] = []
        for run in runs {
            for p in run where eventAt[p] { credit(p, tree) }
            for p in run where eventAt[p] { tree.add(rankAt[p]) }
            for p in run where !eventAt[p] { credit(p, tree) }

            // Events at the same time: pairs, and those also level on score.
            sameTime.removeAll(keepingCapacity: true)
            for p in run where eventAt[p] { sameTime.append(rankAt[p]) }
            let events = sameTime.count
            guard events > 1 else { continue }
            sameTime.sort()
            let level = CoxConcordance.levelPairs(inSorted: sameTime)
            pairs.tiedXY += level
            pairs.tiedY += events * (events - 1) / 2 - level
        }
    }

    private mutating func credit(_ p: Int, _ tree: Fenwick) {
        let (below, level) = tree.belowAndAt(rankAt[p])
        concordantAt[p] += tree.total - below - level
        tiedAt[p] += level
        discordantAt[p] += below
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
