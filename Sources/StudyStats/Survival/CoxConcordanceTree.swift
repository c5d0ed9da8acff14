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
            let byScore = members.sorted { riskScore[$0] < riskScore[$1] }
            var m = 0
            var previous = 0.0
            for (position, k) in byScore.enumerated() {
                if position == 0 || riskScore[k] != previous { m += 1; previous = riskScore[k] }
                rank[k] = m
            }
            // Time order; ties on time form runs.
            let byTime = members.sorted { time[$0] < time[$1] }
            var runs: [Range<Int>] = []
            var start = 0
            while start < byTime.count {
                var end = start + 1
                while end < byTime.count && time[byTime[end]] == time[byTime[start]] { end += 1 }
                runs.append(start..<end)
                start = end
            }

            // Events as the earlier member: later subjects and censorings at the same time.
            var tree = Fenwick(size: m)
            for run in runs.reversed() {
                for p in run where !event[byTime[p]] { tree.add(rank[byTime[p]]) }
                for p in run where event[byTime[p]] {
                    let k = byTime[p]
                    let below = tree.prefix(rank[k] - 1), atOrBelow = tree.prefix(rank[k])
                    perConcordant[k] += below
                    perTied[k] += atOrBelow - below
                    perDiscordant[k] += tree.total - atOrBelow
                    concordant += below
                    tiedX += atOrBelow - below
                    discordant += tree.total - atOrBelow
                }
                for p in run where event[byTime[p]] { tree.add(rank[byTime[p]]) }
            }

            // Every subject as the later member: earlier events, and events at the same time for censorings.
            tree = Fenwick(size: m)
            for run in runs {
                func credit(_ k: Int) {
                    let below = tree.prefix(rank[k] - 1), atOrBelow = tree.prefix(rank[k])
                    perConcordant[k] += tree.total - atOrBelow
                    perTied[k] += atOrBelow - below
                    perDiscordant[k] += below
                }
                for p in run where event[byTime[p]] { credit(byTime[p]) }
                for p in run where event[byTime[p]] { tree.add(rank[byTime[p]]) }
                for p in run where !event[byTime[p]] { credit(byTime[p]) }

                // Events at the same time: pairs, and those also level on score.
                var ranks = run.compactMap { event[byTime[$0]] ? rank[byTime[$0]] : nil }
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

/// Counts at positions 1...size, with prefix sums in O(log size).
private struct Fenwick {
    private var counts: [Int]
    private(set) var total = 0

    init(size: Int) { counts = [Int](repeating: 0, count: size + 1) }

    mutating func add(_ position: Int) {
        total += 1
        var i = position
        while i < counts.count {
            counts[i] += 1
            i += i & -i
        }
    }

    /// Count at positions 1...position (0 when position is 0).
    func prefix(_ position: Int) -> Int {
        var sum = 0, i = position
        while i > 0 {
            sum += counts[i]
            i -= i & -i
        }
        return sum
    }
}
