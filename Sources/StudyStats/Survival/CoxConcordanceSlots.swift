extension CoxConcordance {
    /// The same counts, concordance and standard error as `computeByPairs` (counts and C bit for
    /// bit those of `computeByTree`), from one sweep in score order with Fenwick trees over *time slots*.
    ///
    /// Survival times are usually whole days: a million subjects share a few thousand distinct
    /// times, while their risk scores are nearly all distinct. A tree over score ranks (as in
    /// `computeByTree`) has a million positions and every walk misses the cache; a tree over
    /// times has a few thousand positions and stays in L1. Each distinct time t (0-based, within
    /// the stratum) has two slots: 2t for events and 2t + 1 for censorings, so that
    /// - the subjects comparable after event i (later, or censored at the same time) are those in
    ///   slots ≥ 2t_i + 1, and
    /// - the events comparable before subject j (earlier, or at the same time when j is censored)
    ///   are those in slots < slot_j.
    /// Subjects are visited by ascending score, one group of equal scores at a time: what is in
    /// the trees before a group is inserted scores strictly below it; what the group adds is level
    /// with it. The per-subject counts, being integers, are exactly those of the other methods, so C
    /// is identical; the variance is summed by stratum and score order (the others sum in subject
    /// order), so the standard error agrees to rounding.
    ///
    /// - Complexity: O(n log T) for n subjects with T distinct times, plus the linear radix sorts.
    static func computeBySlots(time: [Double], event: [Bool], riskScore: [Double], strata: [Int]?) -> CoxConcordance {
        let n = time.count
        // Per stratum, per subject in score order: concordant, discordant and score-tied pairs.
        // The variance is summed in that order (not handed back to subjects in input order: a
        // random write per subject was a fifth of the sweep).
        var perGroup: [(concordant: [Int], discordant: [Int], tied: [Int])] = []
        var concordant = 0, discordant = 0, tiedX = 0, tiedY = 0, tiedXY = 0

        var groups: [[Int]]
        if let strata {
            var byStratum: [Int: [Int]] = [:]
            for k in 0..<n { byStratum[strata[k], default: []].append(k) }
            groups = byStratum.keys.sorted().map { byStratum[$0]! }
        } else {
            groups = [Array(0..<n)]
        }

        for members in groups where !members.isEmpty {
            let size = members.count
            // Slot of each member (by member index): 2 × time index, + 1 when censored.
            // Without strata the one group is every subject in order: no gathered copies.
            let whole = members.count == n
            let times = whole ? time : members.map { time[$0] }
            var slot = [Int32](repeating: 0, count: size)
            var distinct = 0
            var previous = 0.0
            for (position, at) in StableOrder.ascending(times).enumerated() {
                if position == 0 || times[at] != previous { distinct += 1; previous = times[at] }
                slot[at] = Int32(2 * (distinct - 1) + (event[members[at]] ? 0 : 1))
            }
            let slots = 2 * distinct
            // Per slot: how many subjects sit at or after it, how many events sit before it.
            var perSlot = [Int](repeating: 0, count: slots)
            for s in slot { perSlot[Int(s)] += 1 }
            var atOrAfter = [Int](repeating: 0, count: slots + 1)
            for s in stride(from: slots - 1, through: 0, by: -1) { atOrAfter[s] = atOrAfter[s + 1] + perSlot[s] }
            var eventsBefore = [Int](repeating: 0, count: slots + 1)
            for s in 0..<slots { eventsBefore[s + 1] = eventsBefore[s] + (s % 2 == 0 ? perSlot[s] : 0) }
            // Events at the same time: all pairs; those level on score are found per score group.
            for t in 0..<distinct { tiedY += perSlot[2 * t] * (perSlot[2 * t] - 1) / 2 }

            let scores = whole ? riskScore : members.map { riskScore[$0] }
            let byScore = StableOrder.ascending(scores)
            // Laid out in score order, so the sweep reads memory in sequence.
            let slotAt = byScore.map { slot[$0] }
            let scoreAt = byScore.map { scores[$0] }
            var concordantAt = [Int](repeating: 0, count: size)
            var discordantAt = concordantAt, tiedAt = concordantAt
            // One tree for subjects and events: a walk answers both prefix counts at once.
            var tree = SlotTree(size: slots)
            // Events at each slot, to step back from "events through s" to "through s - 1".
            var eventsAt = [Int](repeating: 0, count: slots)
            var groupSlots: [Int32] = []

            var start = 0
            while start < size {
                var end = start + 1
                while end < size && scoreAt[end] == scoreAt[start] { end += 1 }
                if end == start + 1 {
                    // A score of its own: nothing is level with it.
                    let s = Int(slotAt[start])
                    let (allThrough, eventsThrough) = tree.prefix(through: s)
                    if s % 2 == 0 {
                        // Later subjects below it (concordant) and above it (discordant).
                        let below = tree.total - allThrough
                        concordantAt[start] += below
                        discordantAt[start] += atOrAfter[s + 1] - below
                        concordant += below
                        discordant += atOrAfter[s + 1] - below
                    }
                    // Earlier events below it (discordant for them) and above it (concordant).
                    let below = eventsThrough - eventsAt[s]
                    discordantAt[start] += below
                    concordantAt[start] += eventsBefore[s] - below
                    tree.add(s, event: s % 2 == 0)
                    if s % 2 == 0 { eventsAt[s] += 1 }
                } else {
                    var below1 = [Int](repeating: 0, count: end - start)
                    var below2 = below1
                    for p in start..<end {
                        let s = Int(slotAt[p])
                        let (allThrough, eventsThrough) = tree.prefix(through: s)
                        if s % 2 == 0 { below1[p - start] = tree.total - allThrough }
                        below2[p - start] = eventsThrough - eventsAt[s]
                    }
                    groupSlots.removeAll(keepingCapacity: true)
                    for p in start..<end {
                        let s = Int(slotAt[p])
                        tree.add(s, event: s % 2 == 0)
                        if s % 2 == 0 { eventsAt[s] += 1; groupSlots.append(slotAt[p]) }
                    }
                    for p in start..<end {
                        let s = Int(slotAt[p])
                        let (allThrough, eventsThrough) = tree.prefix(through: s)
                        if s % 2 == 0 {
                            let below = below1[p - start]
                            let level = tree.total - allThrough - below
                            let above = atOrAfter[s + 1] - below - level
                            concordantAt[p] += below
                            tiedAt[p] += level
                            discordantAt[p] += above
                            concordant += below
                            tiedX += level
                            discordant += above
                        }
                        let below = below2[p - start]
                        let level = eventsThrough - eventsAt[s] - below
                        discordantAt[p] += below
                        tiedAt[p] += level
                        concordantAt[p] += eventsBefore[s] - below - level
                    }
                    // Events level on both time and score.
                    if groupSlots.count > 1 {
                        groupSlots.sort()
                        var i = 0
                        while i < groupSlots.count {
                            var j = i + 1
                            while j < groupSlots.count && groupSlots[j] == groupSlots[i] { j += 1 }
                            tiedXY += (j - i) * (j - i - 1) / 2
                            i = j
                        }
                    }
                }
                start = end
            }
            perGroup.append((concordantAt, discordantAt, tiedAt))
        }
        tiedY -= tiedXY

        let pairs = Double(concordant + discordant + tiedX)
        let somers = Double(concordant - discordant) / pairs
        let perPair = 1 / pairs
        var variance = 0.0
        for group in perGroup {
            for k in group.concordant.indices {
                let c = Double(group.concordant[k]), d = Double(group.discordant[k]), t = Double(group.tied[k])
                let dfbeta = ((c - d) - somers * (c + d + t)) * perPair
                variance += dfbeta * dfbeta
            }
        }
        return CoxConcordance(
            concordance: (somers + 1) / 2, standardError: variance.squareRoot() / 2,
            concordant: concordant, discordant: discordant, tiedX: tiedX, tiedY: tiedY, tiedXY: tiedXY)
    }
}

/// Subjects and events at slots 0..<size with prefix sums in O(log size); sized by distinct
/// times, so small enough to stay in cache. Each entry packs the subject count (high 32 bits)
/// and the event count (low 32 bits) into one integer, so one walk adds or sums both; the
/// event count never carries into the subject count because it stays below 2^32.
private struct SlotTree {
    /// 1-based Fenwick array: slot s lives at position s + 1.
    private var counts: [UInt64]
    private(set) var total = 0

    init(size: Int) {
        counts = [UInt64](repeating: 0, count: size + 1)
    }

    mutating func add(_ slot: Int, event: Bool) {
        total += 1
        let step: UInt64 = 1 << 32 | (event ? 1 : 0)
        counts.withUnsafeMutableBufferPointer { counts in
            var i = slot + 1
            while i < counts.count {
                counts[i] &+= step
                i += i & -i
            }
        }
    }

    /// How many subjects and how many events are at slots 0...slot (0 when slot < 0).
    func prefix(through slot: Int) -> (subjects: Int, events: Int) {
        counts.withUnsafeBufferPointer { counts in
            var sum: UInt64 = 0
            var i = slot + 1
            while i > 0 {
                sum &+= counts[i]
                i -= i & -i
            }
            return (Int(sum >> 32), Int(sum & 0xFFFF_FFFF))
        }
    }
}
