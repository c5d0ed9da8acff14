import Testing
@testable import StudyReport

/// Issue 18 item 3 in StudyReport: journal p-values, Cox footnotes that never hide a warning,
/// readable term labels, a forest axis fitted to the intervals, and Table 1's arithmetic.
@Suite struct ReportTablesTests {
    @Test("p-values print as NEJM and the Lancet print them and never round across 0.05", arguments: [
        (6.2e-6, "< 0.001"), (0.0, "< 0.001"), (0.000999, "< 0.001"), (0.001, "0.001"), (0.00131, "0.001"),
        (0.0094, "0.009"), (0.00996, "0.010"), (0.012, "0.01"), (0.0149, "0.01"), (0.031, "0.03"),
        (0.044, "0.04"), (0.046, "0.046"), (0.0496, "0.0496"), (0.04999, "0.04999"), (0.05, "0.05"),
        (0.0504, "0.05"), (0.051, "0.05"), (0.055, "0.06"), (0.31, "0.31"), (0.99, "0.99"), (0.994, "> 0.99"),
        (1.0, "> 0.99"), (Double.nan, "NA"), (-0.1, "NA"), (Double.infinity, "NA"),
    ])
    func pValues(p: Double, printed: String) {
        #expect(TextFormat.pValue(p) == printed)
        #expect(TextFormat.pEquals(p) == (printed.first == "<" || printed.first == ">" ? "p " : "p = ") + printed)
    }

    static let degenerate = CoxResult(n: 40, events: 12, terms: [
        .init(term: "site=liver", coef: -22.1, hr: 2.5e-10, se: 14000, p: 0.9987, hrLower: 0, hrUpper: nil),
        .init(term: "age", coef: 0.02, hr: 1.02, se: 0.01, p: 0.046, hrLower: 1.0, hrUpper: 1.04),
    ], warnings: ["ran out of iterations (30) and did not converge; raise the iteration limit"])

    @Test("an unbounded interval prints NA with a footnote, HR below 0.005 prints < 0.01, and an unnamed warning marks every row")
    func degenerateTerms() {
        let table = ReportTable.cox(Self.degenerate)
        #expect(table.rows == [
            ["site=liver ‡§", "-22.100", "< 0.01", "NA–NA", "14000.000", "> 0.99"],
            ["age §", "0.020", "1.02", "1.00–1.04", "0.010", "0.046"],
        ])
        #expect(table.note == "n = 40, 12 events. ‡ The confidence interval could not be estimated (a bound is 0 or infinite); "
            + "it prints as NA. § The fit warned: ran out of iterations (30) and did not converge; raise the iteration limit.")
        let svg = ForestChart(models: [.init(label: "", result: Self.degenerate)], title: "F").svg(id: "x")
        #expect(svg.contains(">site=liver ‡§</text>"))
        #expect(svg.contains(">‡ The confidence interval could not be estimated (a bound is 0 or infinite); it prints as NA.</text>"))
        #expect(!svg.contains(">0.00</text>"))
    }

    @Test("the proportional-hazards test adds a PH p column (a factor's p on each of its rows) and the global p")
    func phTest() {
        var result = Fixtures.cox
        result.terms = [.init(term: "sex=2", coef: -0.53, hr: 0.588, se: 0.167, p: 0.0015, hrLower: 0.424, hrUpper: 0.816,
                              reference: "1")]
        result.phTest = CoxResult.PHTest(terms: [(term: "sex", p: 0.0911)], global: 0.0911)
        let table = ReportTable.cox(result)
        #expect(table.columns.last == ReportTable.Column("PH p", numeric: true))
        #expect(table.rows[0] == ["sex 2 (vs 1)", "-0.530", "0.59", "0.42–0.82", "0.167", "0.002", "0.09"])
        #expect(table.note == "n = 228, 165 events. Concordance 0.637. PH p: Grambsch–Therneau test of proportional hazards "
            + "(R's cox.zph, KM transform), per term; global p = 0.09.")
    }

    @Test("a categorical term reads 'Level (vs reference)', a level without a letter takes its variable's name; a labels map wins; acronyms and title case keep their case")
    func termLabels() {
        let liver = CoxResult.Term(term: "liver_status=Liver metastasis", coef: 0.5, hr: 1.6, se: 0.1, p: 0.01,
                                   hrLower: 1.3, hrUpper: 2.0, reference: "No liver metastasis")
        #expect(TermLabels().label(liver) == "Liver metastasis (vs no liver metastasis)")
        #expect(TermLabels(["liver_status=Liver metastasis": "Liver metastases"]).label(liver) == "Liver metastases")
        var cancer = liver
        cancer.term = "cancer=Melanoma"
        cancer.reference = "NSCLC"
        #expect(TermLabels().label(cancer) == "Melanoma (vs NSCLC)")
        cancer.reference = nil
        #expect(TermLabels().label(cancer) == "cancer=Melanoma")
        #expect(TermLabels.lowercasedStart("Élevé") == "élevé")
        #expect(TermLabels.lowercasedStart("T2") == "T2")
        cancer.reference = "Non-Small Cell Lung Cancer"
        #expect(TermLabels().label(cancer) == "Melanoma (vs Non-Small Cell Lung Cancer)")
        var ecog = liver
        ecog.term = "ecog=1"
        ecog.reference = "0"
        #expect(TermLabels().label(ecog) == "ecog 1 (vs 0)")
        ecog.term = "age_group=<30"
        ecog.reference = "50-60"
        #expect(TermLabels().label(ecog) == "age group <30 (vs 50-60)")
        #expect(TermLabels.lowercasedStart("No liver metastasis") == "no liver metastasis")
        #expect(TermLabels.lowercasedStart("Head and Neck") == "Head and Neck")
    }

    @Test("the forest axis fits the intervals drawn: HRs of 1.4–3.5 (CIs 1.15–5.2) get an axis of 1–10, not 0.1–100")
    func fittedAxis() {
        let result = CoxResult(n: 300, events: 200, terms: [
            .init(term: "a", coef: 0.34, hr: 1.4, se: 0.1, p: 0.001, hrLower: 1.15, hrUpper: 1.7),
            .init(term: "b", coef: 1.25, hr: 3.5, se: 0.2, p: 0.001, hrLower: 2.36, hrUpper: 5.2),
        ])
        let axis = ForestChart(models: [.init(label: "", result: result)], title: "F").axis
        #expect(axis.lower == 1 && axis.upper == 10)
        #expect(axis.ticks == [1, 2, 5, 10])
        // A degenerate term (monotone likelihood) cannot stretch the axis for the others.
        var withDegenerate = result
        withDegenerate.terms.append(.init(term: "c", coef: 22, hr: 3.6e9, se: 2e4, p: 0.999, hrLower: 0, hrUpper: nil,
                                          mayBeInfinite: true))
        #expect(ForestChart(models: [.init(label: "", result: withDegenerate)], title: "F").axis == axis)
    }

    @Test("Table 1 arithmetic: R's quantile type 7, factor order, percent of non-missing, Missing rows, missing group")
    func characteristics() {
        #expect(CharacteristicsTable.quantile([1, 2, 3, 4], 0.25) == 1.75)
        #expect(CharacteristicsTable.quantile([7], 0.75) == 7)
        #expect(CharacteristicsTable.levels([.number(10), .number(9), .missing, .number(10)]) == [.number(9), .number(10)])
        #expect(CharacteristicsTable.levels([.text("b"), .text("B"), .number(2), .text("a")])
            == [.number(2), .text("B"), .text("a"), .text("b")])
        let table = CharacteristicsTable(byName: "arm", by: [.text("B"), .text("A"), .text("B"), .missing], variables: [
            .init(name: "age", values: [.number(50), .number(60), .missing, .number(70)], categorical: false),
            .init(name: "sex", values: [.text("F"), .text("M"), .text("F"), .missing], categorical: true),
        ]).table(title: nil)
        #expect(table.title == "Characteristics by arm")
        #expect(table.columns.map(\.title) == ["Characteristic", "Overall (n = 4)", "A (n = 1)", "B (n = 2)"])
        #expect(table.rows == [
            ["age, median (IQR)", "60.0 (55.0–65.0)", "60.0 (60.0–60.0)", "50.0 (50.0–50.0)"],
            ["\u{2003}Missing", "1", "0", "1"],
            ["sex, n (%)", "", "", ""],
            ["\u{2003}F", "2 (66.7)", "0 (0.0)", "2 (100.0)"],
            ["\u{2003}M", "1 (33.3)", "1 (100.0)", "0 (0.0)"],
            ["\u{2003}Missing", "1", "0", "0"],
        ])
        #expect(table.note == "n (%) for categories, percent of non-missing values; median (IQR) for numbers "
            + "(quartiles as R's quantile type 7). 1 row with no 'arm' is counted in Overall only.")
    }
}

extension ReportTablesTests {
    /// A document with each new element: Table 1, a Cox table with labels, marks, PH p and footnotes,
    /// a forest plot with term labels, n / events and marks, and the provenance appendix.
    static var document: ReportDocument {
        var labelled = Self.degenerate
        labelled.terms[0].reference = "other"
        labelled.phTest = CoxResult.PHTest(terms: [(term: "site", p: 0.51), (term: "age", p: 0.0496)], global: 0.12)
        let table1 = CharacteristicsTable(byName: "liver", by: [.text("yes"), .text("no"), .text("no"), .text("yes")], variables: [
            .init(name: "age", values: [.number(61), .number(55), .number(70), .missing], categorical: false),
            .init(name: "cancer", values: [.text("NSCLC"), .text("Melanoma"), .text("NSCLC"), .text("RCC")], categorical: true),
        ]).table(title: "Baseline characteristics by liver metastasis")
        let forest = ForestChart(models: [.init(label: "", result: labelled)], title: "Hazard ratios",
                                 labels: TermLabels(["age": "Age (per year)"]))
        return ReportDocument(title: "Tables", authors: [], sections: [
            .init(title: "Results", text: "", blocks: [
                .table(table1),
                .table(ReportTable.cox(labelled, labels: TermLabels(["age": "Age (per year)"]))),
                .figure(.init(title: "Hazard ratios", caption: nil, svg: forest.svg(id: "f1"), description: forest.description)),
            ]),
        ], provenance: [.init(item: "Table 1", input: "cohort", path: "results/cohort.csv", stage: "ingest", sha256: String(repeating: "ab", count: 32))])
    }

    @Test("Table 1, the Cox table's labels, marks, PH p and footnotes, the forest's n / events and the provenance appendix match their golden HTML and Markdown")
    func golden() {
        Golden.check(Self.document.html, "tables.html")
        Golden.check(Self.document.markdown, "tables.md")
    }
}
