import StudyCore
import StudyStats

/// The `with:` settings of `simulate/trial` (schema in `SimulateTrial`'s doc comment), read through
/// one `SettingsReader`: every problem is one line naming its field (`with.hazard_ratios[1]: must
/// be positive, not 0`), at load and again at run.
struct SimulateTrialSettings {
    var hazardRatios: [Double]
    var sampleSizes: [Int]
    var allocation: Double
    var controlMedian: Double?
    var medianSource: (input: String, group: String)?
    var accrual: Double
    var followUp: Double
    var dropout: Double
    var analysis: TrialAnalysis
    var alpha: Double
    var replicates: Int
    var seed: UInt64
    var targetPower: Double

    static let known = ["hazard_ratios", "sample_sizes", "allocation", "control_median", "control_median_from", "accrual",
                        "follow_up", "dropout", "analysis", "alpha", "replicates", "seed", "target_power"]

    /// Reads `with:`; nil when anything is wrong (the problems are in `reader`).
    static func read(_ with: JSONValue, _ reader: inout SettingsReader) -> SimulateTrialSettings? {
        guard let w = reader.mapping(with, "with", known: known) else { return nil }
        let hazardRatios = (reader.list(w["hazard_ratios"], "with.hazard_ratios") ?? []).enumerated().compactMap { k, v in
            reader.positive(v, "with.hazard_ratios[\(k)]")
        }
        let sampleSizes = (reader.list(w["sample_sizes"], "with.sample_sizes") ?? []).enumerated().compactMap { k, v in
            reader.integer(v, "with.sample_sizes[\(k)]", in: 2...SimulateTrial.maxSampleSize)
        }
        let allocation = reader.openUnit(w["allocation"], "with.allocation", fallback: 0.5)
        let (controlMedian, source) = readControlMedian(w, &reader)
        let accrual = reader.nonNegative(w["accrual"], "with.accrual")
        let followUp = reader.positive(w["follow_up"], "with.follow_up")
        let dropout = reader.nonNegative(w["dropout"], "with.dropout", fallback: 0)
        var analysis: TrialAnalysis? = .logRank
        if let value = w["analysis"] {
            // Only a name: `[cox]` would otherwise read as `cox` through its scalar text.
            if case .string(let name) = value { analysis = TrialAnalysis(rawValue: name) } else { analysis = nil }
            if analysis == nil { reader.problem("with.analysis", "must be log-rank or cox, not \(SettingsReader.show(value))") }
        }
        let alpha = reader.openUnit(w["alpha"], "with.alpha", fallback: 0.05)
        let replicates: Int?
        if case .integer(0)? = w["replicates"] {
            reader.problem("with.replicates", "must be at least 1, not 0")
            replicates = nil
        } else {
            replicates = reader.integer(w["replicates"], "with.replicates", in: 1...SimulateTrial.maxReplicates)
        }
        let seed = reader.seed(w["seed"], "with.seed")
        let targetPower = reader.openUnit(w["target_power"], "with.target_power", fallback: 0.8)
        checkGrid(hazardRatios: hazardRatios, sampleSizes: sampleSizes, allocation: allocation, &reader)
        guard reader.problems.isEmpty, let allocation, let accrual, let followUp, let dropout, let analysis, let alpha,
              let replicates, let seed, let targetPower else { return nil }
        return SimulateTrialSettings(hazardRatios: hazardRatios, sampleSizes: sampleSizes, allocation: allocation,
                                     controlMedian: controlMedian, medianSource: source, accrual: accrual, followUp: followUp,
                                     dropout: dropout, analysis: analysis, alpha: alpha, replicates: replicates, seed: seed,
                                     targetPower: targetPower)
    }

    /// `control_median: N` or `control_median_from: {input, group}`, exactly one of them.
    private static func readControlMedian(_ w: [String: JSONValue], _ reader: inout SettingsReader)
        -> (Double?, (input: String, group: String)?) {
        switch (w["control_median"], w["control_median_from"]) {
        case (nil, nil):
            reader.problem("with.control_median", "missing; give a number, or control_median_from: {input: NAME, group: LABEL}")
        case (let value?, nil):
            return (reader.positive(value, "with.control_median"), nil)
        case (nil, let value?):
            if let m = reader.mapping(value, "with.control_median_from", known: ["input", "group"]),
               let input = reader.name(m["input"], "with.control_median_from.input"),
               let group = reader.name(m["group"], "with.control_median_from.group") {
                return (nil, (input, group))
            }
        case (_?, _?):
            reader.problem("with.control_median_from", "give either control_median or control_median_from, not both")
        }
        return (nil, nil)
    }

    /// The grid's size, and that every sample size leaves both arms a patient at `allocation`.
    private static func checkGrid(hazardRatios: [Double], sampleSizes: [Int], allocation: Double?,
                                  _ reader: inout SettingsReader) {
        let cells = hazardRatios.count * sampleSizes.count
        reader.require(cells <= SimulateTrial.maxCells, "with.sample_sizes",
                       "the grid has \(hazardRatios.count) hazard ratios × \(sampleSizes.count) sample sizes = \(cells) cells; at most \(SimulateTrial.maxCells)")
        guard let allocation else { return }
        for (k, n) in sampleSizes.enumerated() {
            let experimental = Int((Double(n) * allocation).rounded())
            reader.require(experimental >= 1 && experimental < n, "with.sample_sizes[\(k)]",
                           "\(n) patients at allocation \(JSONValue.format(allocation)) leave an arm empty; raise it")
        }
    }
}
