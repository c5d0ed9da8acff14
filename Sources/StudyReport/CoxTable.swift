/// The marks and footnotes of a Cox result, shared by the Cox table and the forest plot, so no
/// warning of the fit and no degenerate estimate is ever shown without a word:
/// - `†` a term the fit flagged as possibly infinite (monotone likelihood);
/// - `‡` a term whose interval has a bound that is missing, 0 or infinite (not estimable), which
///   prints as `NA` — caught here even when the fit raised no warning;
/// - `§` every term, for a warning of the fit that names no term (e.g. no convergence).
public struct CoxFootnotes: Sendable {
    /// The marks of each term, by term name, in `†‡§` order.
    public var marks: [String: String]
    /// One line per mark used, in mark order.
    public var notes: [String]
    /// The fit's warnings that name no term, which the `§` note already quotes.
    public var unnamed: [String]

    static let infinite = "† The coefficient may be infinite (monotone likelihood): its SE, p and interval are not meaningful."
    static let unbounded = "‡ The confidence interval could not be estimated (a bound is 0 or infinite); it prints as NA."

    /// The marks of `result`'s terms.
    public init(_ result: CoxResult) {
        marks = [:]
        notes = []
        // A warning that quotes no term (R's "ran out of iterations") concerns the whole fit.
        unnamed = result.warnings.filter { warning in !result.terms.contains { warning.contains("'\($0.term)'") } }
        var used: Set<Character> = []
        for term in result.terms {
            var mark = ""
            if term.mayBeInfinite { mark += "†" }
            if !term.mayBeInfinite && !Self.bounded(term) { mark += "‡" }
            if !unnamed.isEmpty { mark += "§" }
            marks[term.term] = mark
            used.formUnion(mark)
        }
        if used.contains("†") { notes.append(Self.infinite) }
        if used.contains("‡") { notes.append(Self.unbounded) }
        if used.contains("§") { notes.append("§ The fit warned: " + unnamed.joined(separator: "; ") + ".") }
    }

    /// Whether both bounds are finite positive numbers and the estimate is finite.
    static func bounded(_ term: CoxResult.Term) -> Bool {
        guard let lower = term.hrLower, let upper = term.hrUpper else { return false }
        return lower > 0 && lower.isFinite && upper.isFinite && upper > 0 && term.hr.isFinite
    }

    /// A hazard ratio or bound for a table cell: two decimals; a positive value that would round
    /// to 0.00 prints `< 0.01`; a missing, zero or infinite bound prints `NA`.
    public static func ratio(_ x: Double?) -> String {
        guard let x, x.isFinite, x > 0 else { return "NA" }
        if x < 0.005 { return "< 0.01" }
        return TextFormat.fixed(x, 2)
    }

    /// The interval as a table shows it: `0.52–0.91`, `NA–NA` when not estimable.
    public static func interval(_ term: CoxResult.Term) -> String {
        "\(ratio(term.hrLower))–\(ratio(term.hrUpper))"
    }
}

extension ReportTable {
    /// Cox model terms: coefficient, hazard ratio with its confidence interval, standard error and
    /// p, each term under its readable label (`labels`), with footnote marks for warnings and
    /// unestimable intervals, and the proportional-hazards test p per term when the result has it.
    public static func cox(_ result: CoxResult, title: String? = nil, labels: TermLabels = TermLabels()) -> ReportTable {
        let footnotes = CoxFootnotes(result)
        let ph = result.phTest
        let rows = result.terms.map { term -> [String] in
            let mark = footnotes.marks[term.term] ?? ""
            var row = [labels.label(term) + (mark.isEmpty ? "" : " " + mark), TextFormat.fixed(term.coef, 3),
                       CoxFootnotes.ratio(term.hr), CoxFootnotes.interval(term), TextFormat.fixed(term.se, 3),
                       TextFormat.pValue(term.p)]
            if let ph { row.append(ph.p(for: term.term).map { $0.map(TextFormat.pValue) ?? "NA" } ?? "") }
            return row
        }
        var note = "n = \(TextFormat.count(result.n)), \(TextFormat.events(result.events))."
        if let c = result.concordance { note += " Concordance \(TextFormat.fixed(c, 3))." }
        for line in footnotes.notes { note += " " + line }
        if let ph {
            note += " PH p: Grambsch–Therneau test of proportional hazards (R's cox.zph, KM transform), per term; global "
                + TextFormat.pEquals(ph.global ?? .nan) + "."
        }
        for warning in result.warnings where !footnotes.unnamed.contains(warning) { note += " Warning: \(warning)." }
        var columns = [Column("Term"), Column("coef", numeric: true), Column("HR", numeric: true),
                       Column("95 % CI", numeric: true), Column("SE(coef)", numeric: true), Column("p", numeric: true)]
        if ph != nil { columns.append(Column("PH p", numeric: true)) }
        return ReportTable(title: title ?? "Cox proportional hazards model", columns: columns, rows: rows, note: note)
    }
}
