import StudyCore

/// The result `survival/cox` writes (schema in README.md): the terms with hazard ratios and their
/// interval, the log-likelihoods and the three global tests, concordance, the variance matrix,
/// convergence and warnings, and the optional proportional-hazards test. Written by `CoxStage`,
/// read by `report/html`. Numbers a separated fit can make infinite are nil here and `null` in
/// the file.
struct CoxOutput: ResultModel {
    struct Term: Equatable, Sendable {
        var term: String
        var coef: Double?
        var hr: Double?
        var se: Double?
        /// The robust (sandwich) standard error of a robust fit (`cluster:`, non-integer weights);
        /// z, p and the interval then use it. Written only for a robust fit.
        var robustSE: Double? = nil
        var z: Double?
        var p: Double?
        var hrLower: Double?
        var hrUpper: Double?
        /// The fit warned that this coefficient may be infinite; written only when true.
        var mayBeInfinite: Bool
        /// The reference level of a categorical term (`name=level`), so a report can say what the
        /// level is compared with; written only for such a term.
        var reference: String? = nil
    }

    /// A global test (likelihood ratio, Wald, score).
    struct Test: Equatable, Sendable {
        var statistic: Double?
        var df: Int
        var p: Double?
    }

    /// One row of the proportional-hazards test (`cox.zph`), or its global row (`term` nil).
    struct PHTerm: Equatable, Sendable {
        var term: String?
        var chisq: Double?
        var df: Int
        var p: Double?
    }

    struct PHTest: Equatable, Sendable {
        /// The time transform, `km` as R's default.
        var transform: String
        var terms: [PHTerm]
        var global: PHTerm
    }

    var ties: String
    var n: Int
    var events: Int
    var nDropped: Int
    var terms: [Term]
    var loglikNull: Double?
    var loglikFit: Double?
    var likelihoodRatio: Test
    var wald: Test
    var score: Test
    /// The robust score test of a robust fit (R's "Robust" line); written only then.
    var robustScore: Test? = nil
    var concordance: Double?
    var concordanceSE: Double?
    var vcov: [[Double?]]
    var iterations: Int
    var converged: Bool
    var warnings: [String]
    /// Present when `ph_test: true`.
    var phTest: PHTest?

    /// Member names only this model writes.
    enum Key {
        static let ties = "ties"
        static let terms = ResultKey.terms
        static let coef = ResultKey.coef
        static let z = ResultKey.z
        static let hrLower = ResultKey.hrLower
        static let hrUpper = ResultKey.hrUpper
        static let mayBeInfinite = "may_be_infinite"
        static let loglik = ResultKey.loglik
        static let null = ResultKey.null
        static let fit = ResultKey.fit
        static let tests = ResultKey.tests
        static let likelihoodRatio = ResultKey.likelihoodRatio
        static let wald = "wald"
        static let score = "score"
        static let robustSE = "robust_se"
        static let robustScore = "robust_score"
        static let concordance = "concordance"
        static let vcov = ResultKey.vcov
        static let iterations = ResultKey.iterations
        static let converged = ResultKey.converged
        static let warnings = "warnings"
        static let phTest = "ph_test"
        static let transform = "transform"
        static let chisq = "chisq"
        static let global = "global"
        static let reference = "reference"
    }

    static let kind: String? = "survival/cox"
    static let keys = [ResultKey.kind, Key.ties, ResultKey.n, ResultKey.events, ResultKey.nDropped, Key.terms, ResultKey.term,
                       Key.coef, ResultKey.hr, ResultKey.se, Key.z, ResultKey.p, Key.hrLower, Key.hrUpper, Key.mayBeInfinite,
                       Key.loglik, Key.null, Key.fit, Key.tests, Key.likelihoodRatio, Key.wald, Key.score,
                       Key.robustSE, Key.robustScore,
                       ResultKey.statistic, ResultKey.df, Key.concordance, ResultKey.estimate, Key.vcov, Key.iterations,
                       Key.converged, Key.warnings, Key.phTest, Key.transform, Key.chisq, Key.global, Key.reference]

    var encoded: ResultJSON {
        let terms = terms.map { t -> ResultJSON in
            var members: [(String, ResultJSON)] = [
                (ResultKey.term, .string(t.term)), (Key.coef, .optional(t.coef)), (ResultKey.hr, .optional(t.hr)),
                (ResultKey.se, .optional(t.se)),
            ] + (t.robustSE == nil ? [] : [(Key.robustSE, .optional(t.robustSE))]) + [
                (Key.z, .optional(t.z)), (ResultKey.p, .optional(t.p)),
                (Key.hrLower, .optional(t.hrLower)), (Key.hrUpper, .optional(t.hrUpper)),
            ]
            if t.mayBeInfinite { members.append((Key.mayBeInfinite, .bool(true))) }
            if let reference = t.reference { members.append((Key.reference, .string(reference))) }
            return .object(members)
        }
        func test(_ t: Test) -> ResultJSON {
            .object([(ResultKey.statistic, .optional(t.statistic)), (ResultKey.df, .integer(t.df)), (ResultKey.p, .optional(t.p))])
        }
        return .object([
            (ResultKey.kind, .string(Self.kind!)), (Key.ties, .string(ties)),
            (ResultKey.n, .integer(n)), (ResultKey.events, .integer(events)), (ResultKey.nDropped, .integer(nDropped)),
            (Key.terms, .array(terms)),
            (Key.loglik, .object([(Key.null, .optional(loglikNull)), (Key.fit, .optional(loglikFit))])),
            (Key.tests, .object([(Key.likelihoodRatio, test(likelihoodRatio)), (Key.wald, test(wald)), (Key.score, test(score))]
                + (robustScore.map { [(Key.robustScore, test($0))] } ?? []))),
            (Key.concordance, .object([(ResultKey.estimate, .optional(concordance)), (ResultKey.se, .optional(concordanceSE))])),
            (Key.vcov, .array(vcov.map { row in .array(row.map { .optional($0) }) })),
            (Key.iterations, .integer(iterations)), (Key.converged, .bool(converged)),
            (Key.warnings, .array(warnings.map { .string($0) })),
            (Key.phTest, phTest.map(Self.encode) ?? .null),
        ])
    }

    private static func encode(_ ph: PHTest) -> ResultJSON {
        func row(_ t: PHTerm) -> [(String, ResultJSON)] {
            [(Key.chisq, .optional(t.chisq)), (ResultKey.df, .integer(t.df)), (ResultKey.p, .optional(t.p))]
        }
        return .object([
            (Key.transform, .string(ph.transform)),
            (Key.terms, .array(ph.terms.map { t in .object([(ResultKey.term, .string(t.term ?? ""))] + row(t)) })),
            (Key.global, .object(row(ph.global))),
        ])
    }

    static func decode(_ root: ResultField) throws(ResultDecodingError) -> CoxOutput {
        let terms = try root.member(Key.terms).items().map { (t) throws(ResultDecodingError) -> Term in
            Term(term: try t.member(ResultKey.term).string(), coef: try t.member(Key.coef).optionalNumber(),
                 hr: try t.member(ResultKey.hr).optionalNumber(), se: try t.member(ResultKey.se).optionalNumber(),
                 robustSE: try t.optionalMember(Key.robustSE)?.optionalNumber(),
                 z: try t.member(Key.z).optionalNumber(), p: try t.member(ResultKey.p).optionalNumber(),
                 hrLower: try t.member(Key.hrLower).optionalNumber(), hrUpper: try t.member(Key.hrUpper).optionalNumber(),
                 mayBeInfinite: try t.optionalMember(Key.mayBeInfinite)?.bool() ?? false,
                 reference: try t.optionalMember(Key.reference)?.string())
        }
        let loglik = try root.member(Key.loglik), tests = try root.member(ResultKey.tests)
        let concordance = try root.member(Key.concordance)
        let vcov = try root.member(Key.vcov).items().map { (row) throws(ResultDecodingError) -> [Double?] in
            try row.items().map { (v) throws(ResultDecodingError) -> Double? in try v.optionalNumber() }
        }
        return CoxOutput(
            ties: try root.member(Key.ties).string(), n: try root.member(ResultKey.n).integer(),
            events: try root.member(ResultKey.events).integer(), nDropped: try root.member(ResultKey.nDropped).integer(),
            terms: terms, loglikNull: try loglik.member(Key.null).optionalNumber(),
            loglikFit: try loglik.member(Key.fit).optionalNumber(),
            likelihoodRatio: try test(tests.member(Key.likelihoodRatio)), wald: try test(tests.member(Key.wald)),
            score: try test(tests.member(Key.score)),
            robustScore: try tests.optionalMember(Key.robustScore).map { (f) throws(ResultDecodingError) -> Test in try test(f) },
            concordance: try concordance.member(ResultKey.estimate).optionalNumber(),
            concordanceSE: try concordance.member(ResultKey.se).optionalNumber(), vcov: vcov,
            iterations: try root.member(Key.iterations).integer(), converged: try root.member(Key.converged).bool(),
            warnings: try root.member(Key.warnings).items().map { (w) throws(ResultDecodingError) -> String in try w.string() },
            phTest: try root.optionalMember(Key.phTest).map(phTest))
    }

    private static func test(_ field: ResultField) throws(ResultDecodingError) -> Test {
        Test(statistic: try field.member(ResultKey.statistic).optionalNumber(), df: try field.member(ResultKey.df).integer(),
             p: try field.member(ResultKey.p).optionalNumber())
    }

    private static func phTest(_ field: ResultField) throws(ResultDecodingError) -> PHTest {
        func row(_ f: ResultField, term: String?) throws(ResultDecodingError) -> PHTerm {
            PHTerm(term: term, chisq: try f.member(Key.chisq).optionalNumber(), df: try f.member(ResultKey.df).integer(),
                   p: try f.member(ResultKey.p).optionalNumber())
        }
        let terms = try field.member(Key.terms).items().map { (t) throws(ResultDecodingError) -> PHTerm in
            try row(t, term: try t.member(ResultKey.term).string())
        }
        return PHTest(transform: try field.member(Key.transform).string(), terms: terms,
                      global: try row(field.member(Key.global), term: nil))
    }
}
