/// The test of proportional hazards of `survival::cox.zph` (survival ≥ 3, transform = "km",
/// terms = TRUE, global = TRUE): a score test, at (beta-hat, 0), of adding the covariates
/// multiplied by g(t) = 1 − KM(t−) (centred over the events) to a fitted Cox model.
public struct CoxZph: Sendable, Equatable {
    /// One test per model term (a factor's columns are tested together), in design order.
    public var terms: [Term]
    /// The test of all terms together (R's `GLOBAL` row).
    public var global: CoxTest

    /// The test of one model term.
    public struct Term: Sendable, Equatable {
        /// The term's name (R's row name of `cox.zph(fit)$table`).
        public var name: String
        /// Chi-square, df (the term's number of columns) and p value.
        public var test: CoxTest
    }

    /// Tests the proportional-hazards assumption of `model`, fitted to `survival`, `design` and `strata`.
    public static func compute(
        _ survival: SurvivalData, design: CoxDesign, strata: [Int]? = nil, model: CoxModel
    ) -> CoxZph {
        let time = design.rows.map { survival.time[$0] }
        let event = design.rows.map { survival.event[$0] }
        let stratum = design.rows.map { strata?[$0] ?? 0 }
        let p = design.terms.count
        let problem = CoxLikelihood(time: time, event: event, stratum: stratum, columns: design.columns, ties: model.ties)

        let g = transformedTimes(time: time, event: event)
        var u = [Double](repeating: 0, count: 2 * p)
        var h = [[Double]](repeating: [Double](repeating: 0, count: 2 * p), count: 2 * p)
        _ = problem.evaluate(model.coefficients.map(\.coefficient)) { deathTime, score, information in
            let gt = g[deathTime]!
            for i in 0..<p {
                u[p + i] += gt * score[i]
                for j in 0...i {
                    let v = information[i][j]
                    h[i][j] += v
                    h[p + i][j] += gt * v
                    h[p + j][i] += i == j ? 0 : gt * v
                    h[p + i][p + j] += gt * gt * v
                }
            }
        }
        // Fill the symmetric matrix from the blocks' lower triangles.
        for i in 0..<(2 * p) { for j in 0..<i { h[j][i] = h[i][j] } }

        let terms = design.groups.map { group -> Term in
            let keep = Array(0..<p) + group.columns.map { p + $0 }
            return Term(name: group.name, test: CoxTest(
                statistic: quadraticForm(u: keep.map { u[$0] }, matrix: keep.map { i in keep.map { h[i][$0] } }),
                degreesOfFreedom: group.columns.count))
        }
        return CoxZph(terms: terms, global: CoxTest(statistic: quadraticForm(u: u, matrix: h), degreesOfFreedom: p))
    }

    /// u' · matrix⁻¹ · u.
    static func quadraticForm(u: [Double], matrix: [[Double]]) -> Double {
        var factor = matrix
        CoxLinearAlgebra.cholesky(&factor, tolerance: CoxModel.choleskyTolerance)
        return zip(CoxLinearAlgebra.solve(factor, u), u).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// g(t) = 1 − KM(t−) of all subjects pooled, centred by its mean over the events, per event time.
    static func transformedTimes(time: [Double], event: [Bool]) -> [Double: Double] {
        let distinct = Array(Set(time)).sorted()
        var survivalBefore = [Double: Double]()
        var survival = 1.0
        var atRisk = time.count
        var index = 0
        let sorted = time.indices.sorted { (time[$0], $0) < (time[$1], $1) }
        for t in distinct {
            survivalBefore[t] = survival
            var deaths = 0, leaving = 0
            while index < sorted.count, time[sorted[index]] == t {
                if event[sorted[index]] { deaths += 1 }
                leaving += 1
                index += 1
            }
            survival *= 1 - Double(deaths) / Double(atRisk)
            atRisk -= leaving
        }
        let eventTimes = time.indices.filter { event[$0] }.map { 1 - survivalBefore[time[$0]]! }
        let mean = eventTimes.reduce(0, +) / Double(eventTimes.count)
        var g = [Double: Double]()
        for t in distinct { g[t] = 1 - survivalBefore[t]! - mean }
        return g
    }
}
