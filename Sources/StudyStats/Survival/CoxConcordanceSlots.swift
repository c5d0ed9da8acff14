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
    static func computeBySlots(time: [Double], event: [Bool], riskScore: [Double], strata: [Int]?,
                               cluster: [Int]? = nil) -> CoxConcordance {
        let n = time.count
        // Per stratum, per subject in score order: concordant, discordant and score-tied pairs.
        // The variance is summed in that order (not handed back to subjects in input order: a
        // random write per subject was a fifth of the sweep).
        var perGroup: [(concordant: [Int], discordant: [Int], tied: [Int])] = []
        // With clusters: the subject at each score position, to sum its influence into its cluster.
        var subjects: [[Int]] = []
        var pairs = PairCounts()
        for members in stratumGroups(count: n, strata: strata) where !members.isEmpty {
            // Without strata the one group is every subject in order: no gathered copies.
            let whole = members.count == n
            let slots = TimeSlots(times: whole ? time : members.map { time[$0] }, members: members, event: event)
            // Events at the same time: all pairs; those level on score are found per score group.
            for t in 0..<slots.distinct { pairs.tiedY += slots.perSlot[2 * t] * (slots.perSlot[2 * t] - 1) / 2 }
            let scores = whole ? riskScore : members.map { riskScore[$0] }
            let byScore = StableOrder.ascending(scores)
            // Laid out in score order, so the sweep reads memory in sequence.
            var sweep = ScoreOrderedSweep(slots: slots, slotAt: byScore.map { slots.slot[$0] })
            sweep.run(scoreAt: byScore.map { scores[$0] }, pairs: &pairs)
            perGroup.append((sweep.concordantAt, sweep.discordantAt, sweep.tiedAt))
            if cluster != nil { subjects.append(byScore.map { members[$0] }) }
        }
        pairs.tiedY -= pairs.tiedXY

        let total = Double(pairs.concordant + pairs.discordant + pairs.tiedX)
        let somers = Double(pairs.concordant - pairs.discordant) / total
        let perPair = 1 / total
        var variance = 0.0
        var perCluster = [Int: Double]()
        for (g, group) in perGroup.enumerated() {
            for k in group.concordant.indices {
                let c = Double(group.concordant[k]), d = Double(group.discordant[k]), t = Double(group.tied[k])
                let dfbeta = ((c - d) - somers * (c + d + t)) * perPair
                if let cluster { perCluster[cluster[subjects[g][k]], default: 0] += dfbeta } else { variance += dfbeta * dfbeta }
            }
        }
        if cluster != nil { variance = perCluster.keys.sorted().reduce(0) { $0 + perCluster[$1]! * perCluster[$1]! } }
        return pairs.concordance(somers: somers, variance: variance)
    }
}

/// One stratum's time slots: each member's slot (2 × time index, + 1 when censored), and per
/// slot how many subjects sit at or after it and how many events sit before it.
private struct TimeSlots {
    /// Slot of each member, by member index.
    var slot: [Int32]
    /// Distinct times in the stratum; there are twice as many slots.
    var distinct = 0
    var perSlot: [Int]
    var atOrAfter: [Int]
    var eventsBefore: [Int]

    init(times: [Double], members: [Int], event: [Bool]) {
        slot = [Int32](repeating: 0, count: members.count)
        var previous = 0.0
        for (position, at) in StableOrder.ascending(times).enumerated() {
            if position == 0 || times[at] != previous { distinct += 1; previous = times[at] }
            slot[at] = Int32(2 * (distinct - 1) + (event[members[at]] ? 0 : 1))
        }
        let slots = 2 * distinct
        perSlot = [Int](repeating: 0, count: slots)
        for s in slot { perSlot[Int(s)] += 1 }
        atOrAfter = [Int](repeating: 0, count: slots + 1)
        for s in stride(from: slots - 1, through: 0, by: -1) { atOrAfter[s] = atOrAfter[s + 1] + perSlot[s] }
        eventsBefore = [Int](repeating: 0, count: slots + 1)
        for s in 0..<slots { eventsBefore[s + 1] = eventsBefore[s] + (s % 2 == 0 ? perSlot[s] : 0) }
    }
}

/// The sweep of `computeBySlots` over one stratum's subjects in ascending score order, one group
/// of equal scores at a time, with per-position counts.
private struct ScoreOrderedSweep: PerSubjectPairs {
    let atOrAfter: [Int]
    let eventsBefore: [Int]
    let slotAt: [Int32]
    var concordantAt: [Int]
    var discordantAt: [Int]
    var tiedAt: [Int]
    // One tree for subjects and events: a walk answers both prefix counts at once.
    var tree: SlotTree
    // Events at each slot, to step back from "events through s" to "through s - 1".
    var eventsAt: [Int]
    var groupSlots: [Int32] = []

    init(slots: TimeSlots, slotAt: [Int32]) {
        atOrAfter = slots.atOrAfter
        eventsBefore = slots.eventsBefore
        self.slotAt = slotAt
        concordantAt = [Int](repeating: 0, count: slotAt.count)
        discordantAt = concordantAt
        tiedAt = concordantAt
        tree = SlotTree(size: 2 * slots.distinct)
        eventsAt = [Int](repeating: 0, count: 2 * slots.distinct)
    }

    mutating func run(scoreAt: [Double], pairs: inout PairCounts) {
        let size = slotAt.count
        var start = 0
        while start < size {
            var end = start + 1
            while end < size && scoreAt[end] == scoreAt[start] { end += 1 }
            if end == start + 1 {
                single(start, pairs: &pairs)
            } else {
                level(start..<end, pairs: &pairs)
            }
            start = end
        }
    }

    /// A score of its own: nothing is level with it.
    private mutating func single(_ p: Int, pairs: inout PairCounts) {
        let s = Int(slotAt[p])
        let (allThrough, eventsThrough) = tree.prefix(through: s)
        if s % 2 == 0 {
            // Later subjects below it (concordant) and above it (discordant).
            let below = tree.total - allThrough
            concordantAt[p] += below
            discordantAt[p] += atOrAfter[s + 1] - below
            pairs.concordant += below
            pairs.discordant += atOrAfter[s + 1] - below
        }
        // Earlier events below it (discordant for them) and above it (concordant).
        let below = eventsThrough - eventsAt[s]
        discordantAt[p] += below
        concordantAt[p] += eventsBefore[s] - below
        tree.add(s, event: s % 2 == 0)
        if s % 2 == 0 { eventsAt[s] += 1 }
    }

    /// A group of equal scores: counts below it are taken before it is inserted, counts level
    /// with it after.
    private mutating func level(_ group: Range<Int>, pairs: inout PairCounts) {
        let start = group.lowerBound
        var below1 = [Int](repeating: 0, count: group.count)
        var below2 = below1
        for p in group {
            let s = Int(slotAt[p])
            let (allThrough, eventsThrough) = tree.prefix(through: s)
            if s % 2 == 0 { below1[p - start] = tree.total - allThrough }
            below2[p - start] = eventsThrough - eventsAt[s]
        }
        groupSlots.removeAll(keepingCapacity: true)
        for p in group {
            let s = Int(slotAt[p])
            tree.add(s, event: s % 2 == 0)
            if s % 2 == 0 { eventsAt[s] += 1; groupSlots.append(slotAt[p]) }
        }
        for p in group {
            let s = Int(slotAt[p])
            let (allThrough, eventsThrough) = tree.prefix(through: s)
            if s % 2 == 0 {
                let below = below1[p - start]
                let level = tree.total - allThrough - below
                let above = atOrAfter[s + 1] - below - level
                countEvent(p, below: below, level: level, above: above, pairs: &pairs)
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
            pairs.tiedXY += CoxConcordance.levelPairs(inSorted: groupSlots)
        }
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
