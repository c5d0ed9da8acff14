import Testing
@testable import StudyStats

/// Building Cox designs (coding, interactions, missing rows, identifiability) and the fit's
/// behaviour on degenerate data (monotone likelihood, strata).
@Suite("Cox design and degenerate fits")
struct CoxDesignTests {
    @Test("categories use treatment coding with the first sorted level as reference")
    func treatmentCoding() throws {
        let design = try CoxDesign.build([
            CoxVariable("celltype", .categorical(["squamous", "smallcell", "adeno", "smallcell", "large"])),
        ])
        #expect(design.terms == ["celltype=large", "celltype=smallcell", "celltype=squamous"])
        #expect(design.columns == [[0, 0, 0, 0, 1], [0, 1, 0, 1, 0], [1, 0, 0, 0, 0]])
    }

    @Test("plain numbers (NaN missing) build the design optional numbers build, rows dropped alike")
    func plainNumbers() throws {
        let x: [Double] = [1.5, .nan, -0.0, 3, 2.5, 7e10]
        let group = ["a", "b", "a", "b", "a", "b"]
        let optional = try CoxDesign.build([CoxVariable("x", .numeric(x.map { $0.isNaN ? nil : $0 })), CoxVariable("g", .categorical(group))])
        let plain = try CoxDesign.build([CoxVariable("x", .numbers(x)), CoxVariable("g", .categorical(group))])
        #expect(plain.rows == [0, 2, 3, 4, 5] && plain.rows == optional.rows)
        #expect(plain.terms == optional.terms)
        #expect(plain.columns.map { $0.map(\.bitPattern) } == optional.columns.map { $0.map(\.bitPattern) })
        let complete = try CoxDesign.build([CoxVariable("x", .numbers([1, 2, 4]))])
        #expect(complete.columns == [[1, 2, 4]] && complete.omittedCount == 0)
    }

    @Test("a category of many levels (past the linear scan) codes each row against its own level")
    func manyLevels() throws {
        // 30 levels, each spelled two ways that compare equal as Strings ("é" precomposed and not).
        let labels = (0..<300).map { k in "L\((k * 7) % 30)" + (k % 2 == 0 ? "\u{E9}" : "e\u{301}") }
        let design = try CoxDesign.build([CoxVariable("site", .categorical(labels))])
        let levels = Set((0..<30).map { "L\($0)\u{E9}" }).sorted()
        #expect(design.terms == levels.dropFirst().map { "site=\($0)" })
        for (term, column) in zip(levels.dropFirst(), design.columns) {
            #expect(column == labels.map { $0 == term ? 1 : 0 }, "\(term)")
        }
    }

    @Test("given levels set the reference and the column order; unused levels are dropped")
    func givenLevels() throws {
        let design = try CoxDesign.build([
            CoxVariable("rx", .categorical(["Lev", "Obs", "Lev+5FU", nil], levels: ["Obs", "Lev", "Lev+5FU", "Other"])),
        ])
        #expect(design.terms == ["rx=Lev", "rx=Lev+5FU"])
        #expect(design.rows == [0, 1, 2])
        #expect(design.columns == [[1, 0, 0], [0, 0, 1]])
    }

    @Test("a value outside the given levels is an error naming it")
    func unknownLevel() {
        #expect(throws: CoxError.unknownLevel(column: "rx", level: "Placebo")) {
            try CoxDesign.build([CoxVariable("rx", .categorical(["Obs", "Placebo"], levels: ["Obs", "Lev"]))])
        }
    }

    @Test("interactions multiply coded columns and are named with ':'")
    func interaction() throws {
        let design = try CoxDesign.build(
            [
                CoxVariable("arm", .categorical(["ct", "rt", "rt", "ct", "rt"])),
                CoxVariable("liver", .numeric([1, 2, 3, 4, 6])),
            ],
            interactions: [["arm", "liver"]])
        #expect(design.terms == ["arm=rt", "liver", "arm=rt:liver"])
        #expect(design.columns[2] == [0, 2, 3, 0, 6])
    }

    @Test("booleans code true as 1")
    func boolean() throws {
        let design = try CoxDesign.build([CoxVariable("treated", .boolean([true, false, nil, true]))])
        #expect(design.terms == ["treated"])
        #expect(design.columns == [[1, 0, 1]])
        #expect(design.omittedCount == 1)
    }

    @Test("rows with a missing value in any used column are dropped and counted")
    func missingRows() throws {
        let design = try CoxDesign.build([
            CoxVariable("age", .numeric([60, nil, 70, 65, 50])),
            CoxVariable("sex", .categorical(["m", "f", nil, "f", "m"])),
        ])
        #expect(design.rows == [0, 3, 4])
        #expect(design.omittedCount == 2)
        #expect(design.terms == ["age", "sex=m"])
        #expect(design.columns == [[60, 65, 50], [1, 0, 1]])
    }

    @Test("a column that is a combination of earlier ones is an error naming it")
    func collinear() {
        let error = #expect(throws: CoxError.self) {
            try CoxDesign.build([
                CoxVariable("a", .numeric([1, 2, 3, 4, 5])),
                CoxVariable("b", .numeric([2, 1, 0, 1, 2])),
                CoxVariable("c", .numeric([4, 5, 6, 9, 12])),
            ])
        }
        #expect(error == .collinear(terms: ["c"]))
        #expect(error?.description == "collinear design: 'c' is a linear combination of earlier terms; drop it from the model")
    }

    @Test("fitting a hand-made design with collinear columns is an error naming them")
    func collinearFit() {
        let survival = SurvivalData(time: [1, 2, 3, 4, 5, 6], event: [true, false, true, true, false, true])
        let design = CoxDesign(terms: ["a", "b", "sum"], columns: [[1, 2, 3, 4, 5, 6], [0, 1, 0, 1, 1, 0], [1, 3, 3, 5, 6, 6]])
        #expect(throws: CoxError.collinear(terms: ["sum"])) { try CoxModel.fit(survival, design: design) }
    }

    @Test("a constant column is an error naming it")
    func constant() {
        #expect(throws: CoxError.constantColumn("site")) {
            try CoxDesign.build([CoxVariable("age", .numeric([1, 2, 3])), CoxVariable("site", .numeric([4, 4, 4]))])
        }
    }

    @Test("monotone likelihood gives a warning and finite numbers, not a crash or NaN")
    func monotone() throws {
        // Every subject with x = 1 dies before every subject with x = 0: the MLE of beta is +infinity.
        let survival = SurvivalData(time: (1...10).map(Double.init), event: Array(repeating: true, count: 10))
        let design = try CoxDesign.build([
            CoxVariable("x", .numeric([1, 1, 1, 1, 1, 0, 0, 0, 0, 0])),
            CoxVariable("age", .numeric([50, 61, 49, 70, 58, 66, 52, 63, 57, 60])),
        ])
        let model = try CoxModel.fit(survival, design: design)
        #expect(model.warnings == [.infiniteCoefficients(terms: ["x"])])
        #expect(model.coefficients[0].coefficient > 5)
        #expect(model.iterations <= 20)
        #expect(model.coefficients.allSatisfy { $0.coefficient.isFinite && !$0.standardError.isNaN && !$0.p.isNaN })
        #expect(model.logLikelihoodFit.isFinite && model.likelihoodRatioTest.statistic > 0)
    }

    @Test("one stratum holding everyone gives the unstratified fit")
    func singleStratum() throws {
        let fixture = try CoxReferenceFixture.load("lung")
        let design = try CoxDesign.build(fixture.variables(formula: "Surv(time, status) ~ age + sex + ph.ecog"))
        let plain = try CoxModel.fit(fixture.survival, design: design)
        let stratified = try CoxModel.fit(
            fixture.survival, design: design, strata: Array(repeating: 7, count: fixture.survival.count))
        #expect(plain.coefficients == stratified.coefficients)
        #expect(plain.logLikelihoodFit == stratified.logLikelihoodFit)
    }

    @Test("strata that split the data give the sum of the per-stratum log-likelihoods at beta = 0")
    func strataSplitNull() throws {
        let fixture = try CoxReferenceFixture.load("lung")
        let sex = try #require(fixture.reference.columns["sex"]).map { Int($0!) }
        let design = try CoxDesign.build(fixture.variables(formula: "Surv(time, status) ~ age + ph.ecog"))
        let stratified = try CoxModel.fit(fixture.survival, design: design, strata: sex)
        var total = 0.0
        for code in [1, 2] {
            let keep = design.rows.filter { sex[$0] == code }
            let part = SurvivalData(time: keep.map { fixture.survival.time[$0] }, event: keep.map { fixture.survival.event[$0] })
            let sub = CoxDesign(terms: design.terms, columns: design.columns.map { column in
                zip(design.rows, column).filter { sex[$0.0] == code }.map(\.1)
            })
            total += try CoxModel.fit(part, design: sub).logLikelihoodNull
        }
        #expect(close(stratified.logLikelihoodNull, total, relative: 1e-12))
    }

    @Test("fitting twice gives bit-identical results")
    func deterministic() throws {
        let fixture = try CoxReferenceFixture.load("colon")
        let design = try CoxDesign.build(fixture.variables(formula: "Surv(time, status) ~ rx + sex + age + nodes"))
        #expect(try CoxModel.fit(fixture.survival, design: design) == CoxModel.fit(fixture.survival, design: design))
    }
}
