/// The normal and chi-square distributions to the precision the survival tests need (p values
/// within 1e-9 relative of R's `pnorm` / `pchisq`), without a numerics dependency.
public enum Distributions {
    /// P(Z > z) for a standard normal Z, accurate in the far tail (via `erfc`).
    public static func normalUpperTail(_ z: Double) -> Double {
        0.5 * erfcSeries(z / 2.0.squareRoot())
    }

    /// Two-sided p value of a z statistic: 2 · P(Z > |z|), as `2 * pnorm(-abs(z))`.
    public static func normalTwoSidedP(_ z: Double) -> Double {
        guard z.isFinite else { return z.isNaN ? .nan : 0 }
        return min(1, 2 * normalUpperTail(abs(z)))
    }

    /// The standard normal quantile Φ⁻¹(p) (Wichura's AS 241, about 1e-16 relative).
    public static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "normalQuantile needs 0 < p < 1")
        let q = p - 0.5
        if abs(q) <= 0.425 {
            let r = 0.180625 - q * q
            let num = (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r
                + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
                + 133.14166789178437745) * r + 3.387132872796366608)
            let den = (((((((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061) * r
                + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r
                + 42.313330701600911252) * r + 1)
            return q * num / den
        }
        var r = q < 0 ? p : 1 - p
        r = (-r.logarithm()).squareRoot()
        var value: Double
        if r <= 5 {
            r -= 1.6
            value = (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
                + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                + 4.6303378461565452959) * r + 1.42343711074968357734)
                / (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r
                + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r
                + 2.05319162663775882187) * r + 1)
        } else {
            r -= 5
            value = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r
                + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r
                + 5.4637849111641143699) * r + 6.6579046435011037772)
                / (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
                + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
                + 0.59983220655588793769) * r + 1)
        }
        return q < 0 ? -value : value
    }

    /// P(X > x) for X ~ chi-square with `df` degrees of freedom, as `pchisq(x, df, lower.tail = FALSE)`.
    public static func chiSquareUpperTail(_ x: Double, df: Double) -> Double {
        guard df > 0, x.isFinite else { return x.isNaN || df <= 0 ? .nan : 0 }
        if x <= 0 { return 1 }
        return regularizedGammaQ(df / 2, x / 2)
    }

    /// Q(a, x) = Γ(a, x) / Γ(a): a series for x < a + 1, else a continued fraction (Lentz).
    static func regularizedGammaQ(_ a: Double, _ x: Double) -> Double {
        let logPrefix = a * x.logarithm() - x - logGamma(a)
        if x < a + 1 {
            var sum = 1 / a, term = 1 / a, n = a
            for _ in 0..<10_000 {
                n += 1
                term *= x / n
                sum += term
                if abs(term) < abs(sum) * 1e-17 { break }
            }
            return max(0, 1 - sum * exp(logPrefix))
        }
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1...10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-17 { break }
        }
        return exp(logPrefix) * h
    }

    /// log Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; about 1e-15 relative).
    static func logGamma(_ x: Double) -> Double {
        if x < 0.5 { return (Double.pi / sin(Double.pi * x)).logarithm() - logGamma(1 - x) }
        let coefficients: [Double] = [0.99999999999980993, 676.5203681218851, -1259.1392167224028,
                                      771.32342877765313, -176.61502916214059, 12.507343278686905,
                                      -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7]
        let z = x - 1
        var sum = coefficients[0]
        for i in 1..<9 { sum += coefficients[i] / (z + Double(i)) }
        let t = z + 7.5
        return 0.5 * (2 * Double.pi).logarithm() + (z + 0.5) * t.logarithm() - t + sum.logarithm()
    }

    /// erfc(x) for x ≥ 0 by a continued fraction in the tail and a series near 0.
    static func erfcSeries(_ x: Double) -> Double {
        if x < 0 { return 2 - erfcSeries(-x) }
        // erfc(x) = Q(1/2, x²) for x ≥ 0.
        if x == 0 { return 1 }
        return regularizedGammaQ(0.5, x * x)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Double {
    func logarithm() -> Double { log(self) }
}
