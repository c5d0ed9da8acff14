#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A simulated cohort, column by column.
public struct CohortSample: Sendable, Equatable {
    /// Per variable (stratum, arm, covariates, as `CohortModel.variableNames`), one value per
    /// patient: a level index for factors, 0/1 for binary covariates, the value for normal ones.
    public var values: [[Double]]
    /// Observed time: the first of event, dropout and the end of follow-up.
    public var time: [Double]
    /// Whether `time` is an event.
    public var event: [Bool]

    /// Number of patients.
    public var count: Int { time.count }
}

/// Draws virtual patients from a `CohortModel`. Patient i uses stream (seed, i) and draws, in
/// this order: stratum, arm, each covariate, entry time, the event time, the dropout time; so a
/// patient is the same in a cohort of any size, in any chunk, on any thread.
public enum CohortSimulation {
    /// Patients per chunk.
    public static let defaultChunkSize = 4096

    /// `count` patients of `model` under `seed`.
    public static func simulate(_ model: CohortModel, count: Int, seed: UInt64, threads: Int = 1,
                                chunkSize: Int = defaultChunkSize) -> CohortSample {
        let width = 2 + model.covariates.count
        let patients = ChunkedWork.map(count: count, chunkSize: chunkSize, threads: threads) { range in
            range.map { patient(model, stream: RandomStream(seed: seed, index: UInt64($0)), width: width) }
        }
        var values = [[Double]](repeating: [], count: width)
        for v in 0..<width { values[v] = patients.map { $0.values[v] } }
        return CohortSample(values: values, time: patients.map(\.time), event: patients.map(\.event))
    }

    /// The linear predictor of one patient's values: the sum of the effects' products.
    public static func linearPredictor(_ model: CohortModel, values: [Double]) -> Double {
        var eta = 0.0
        for effect in model.effects {
            var product = 1.0
            for factor in effect.factors {
                switch factor {
                case let .indicator(variable, level): product *= values[variable] == Double(level) ? 1 : 0
                case let .value(variable, centre): product *= values[variable] - centre
                }
            }
            eta += effect.logHazardRatio * product
        }
        return eta
    }

    static func patient(_ model: CohortModel, stream: RandomStream, width: Int)
        -> (values: [Double], time: Double, event: Bool) {
        var stream = stream
        var values = [Double](repeating: 0, count: width)
        let stratum = stream.categorical(model.strata.proportions)
        values[0] = Double(stratum)
        values[1] = Double(stream.categorical(model.arms.proportions))
        for (k, covariate) in model.covariates.enumerated() {
            switch covariate {
            case let .binary(_, prevalence): values[2 + k] = stream.bernoulli(prevalence[stratum]) ? 1 : 0
            case let .normal(_, mean, sd): values[2 + k] = stream.normal(mean: mean, sd: sd)
            case let .categorical(factor): values[2 + k] = Double(stream.categorical(factor.proportions))
            }
        }
        let censoring = model.censoring
        let available = censoring.followUp + censoring.accrual * (1 - stream.uniform())
        // Proportional hazards on the Weibull baseline: S(t) = exp(−(t / scale)^shape · e^eta), by inversion.
        let baseline = model.baselines[stratum]
        let eta = linearPredictor(model, values: values)
        let eventTime = baseline.scale * pow(-log(stream.uniform()) * exp(-eta), 1 / baseline.shape)
        let dropoutTime = censoring.dropout > 0 ? stream.exponential(rate: censoring.dropout) : .infinity
        let censorTime = min(available, dropoutTime)
        return (values, min(eventTime, censorTime), eventTime <= censorTime)
    }
}
