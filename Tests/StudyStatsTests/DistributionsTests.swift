import Testing
@testable import StudyStats

/// Reference values from SciPy 1.17 (`norm.sf`, `chi2.sf`, `norm.ppf`), which agree with R's
/// `pnorm`, `pchisq` and `qnorm` to double precision.
@Suite("Distributions")
struct DistributionsTests {
    @Test("two-sided normal p values, including the far tail", arguments: [
        (0.5, 0.6170750774519738), (1.959963984540054, 0.05), (3.0, 0.0026997960632601866),
        (8.5, 1.89590696444065e-17), (12.0, 3.552964224155306e-33),
    ])
    func normalP(z: Double, expected: Double) {
        #expect(close(Distributions.normalTwoSidedP(z), expected, relative: 1e-10))
        #expect(close(Distributions.normalTwoSidedP(-z), expected, relative: 1e-10))
    }

    @Test("chi-square upper tails", arguments: [
        (3.84, 1.0, 0.05004352124870519), (0.5, 1.0, 0.47950012218695337), (10.0, 3.0, 0.01856613546304325),
        (45.0, 2.0, 1.69189792261513e-10), (120.5, 5.0, 2.459368376263028e-24), (0.001, 1.0, 0.9747728793699604),
    ])
    func chiSquare(x: Double, df: Double, expected: Double) {
        #expect(close(Distributions.chiSquareUpperTail(x, df: df), expected, relative: 1e-10))
    }

    @Test("normal quantiles", arguments: [
        (0.975, 1.959963984540054), (0.5, 0.0), (1e-10, -6.361340902404056), (0.9, 1.2815515655446004),
    ])
    func quantile(p: Double, expected: Double) {
        #expect(close(Distributions.normalQuantile(p), expected, relative: 1e-14, absolute: 1e-15))
    }
}
