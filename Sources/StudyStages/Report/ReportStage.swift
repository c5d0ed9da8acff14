import StudyCore
import StudyEngine
import StudyReport

/// `uses: report/html`: a self-contained HTML report (output `report`, optional Markdown `summary`)
/// laid out by `with: {title, authors, sections: [{title, text, text_input, figures, tables}]}` over
/// the stage's named result inputs and the user's own files (PNG/SVG figures, CSV tables, Markdown). Mistakes in the layout or the published-figures file are load errors; an
/// input of the wrong kind is found when the results exist, and fails the stage with one line.
public struct ReportStage: StageKind {
    public var name: String { "report/html" }
    public var version: Int { 7 }

    public init() {}

    /// A report with a `generated: methods` section names the stages behind its inputs, so it is
    /// told them and reruns when one changes (its kind version, image or tools, or a source file).
    public func describesLineage(with: JSONValue) -> Bool {
        guard case .object(let fields) = with, case .array(let sections)? = fields["sections"] else { return false }
        return sections.contains { section in
            guard case .object(let keys) = section else { return false }
            return keys["generated"] != nil
        }
    }

    public func check(_ declaration: StageDeclaration) -> [String] {
        var problems: [String] = []
        if declaration.outputs["report"] == nil {
            problems.append("outputs.report: missing; declare the HTML file, e.g. outputs: {report: results/report.html}")
        }
        for name in declaration.outputs.keys.sorted() where name != "report" && name != "summary" {
            problems.append("outputs.\(name): unknown output; report/html writes 'report' (HTML) and optionally 'summary' (Markdown)")
        }
        let (layout, layoutProblems) = ReportSettings.read(declaration.with, inputs: declaration.inputs,
                                                           gathered: declaration.gathered)
        problems += layoutProblems
        for table in layout.sections.flatMap(\.tables) where table.type == .published {
            guard let file = table.file else { continue }
            // A file another stage writes does not exist yet; it is checked when the report runs.
            guard let bytes = FileIO.read(declaration.root + "/" + file) else { continue }
            guard case .valid(let text) = UTF8Check.validate(bytes) else {
                problems.append("\(table.field).file: '\(file)' \(PublishedFigures.encodingProblem(bytes) ?? "is not UTF-8")")
                continue
            }
            let parsed = PublishedFigures.parse(text, inputs: Set(declaration.inputs.keys))
            problems += parsed.problems.map { "\(table.field).file: '\(file)' \($0)" }
            for entry in parsed.figures.entries {
                guard let entries = declaration.gathered[entry.input] else { continue }
                problems.append("\(table.field).file: '\(file)': quantity '\(entry.quantity)': "
                    + ReportSettings.gatheredProblem(entry.input, entries, needs: "a published value"))
            }
        }
        return problems
    }

    public func run(_ context: StageKindContext) -> StageOutcome {
        do throws(ReportError) {
            guard let reportPath = context.outputs["report"] else { throw ReportError("missing output 'report' (an HTML file)") }
            var builder = ReportBuilder(context: context)
            let document = try builder.document()
            context.log(builder.reading.line)
            do {
                try FileIO.writeAtomically(reportPath, Array(document.html.utf8))
                if let summaryPath = context.outputs["summary"] {
                    try FileIO.writeAtomically(summaryPath, Array(document.markdown.utf8))
                }
            } catch {
                throw ReportError("cannot write the report: \(error)")
            }
            return .succeeded
        } catch {
            context.log(error.message)
            return .failed(status: 1, message: error.message)
        }
    }
}

/// Turns a checked layout and the stage's inputs into a `ReportDocument`: loads each input once,
/// checks its kind against what the figure or table needs, renders, and records provenance.
struct ReportBuilder {
    let context: StageKindContext
    private var loaded: [String: ReportInput] = [:]
    /// Curves by input name: several figures often draw the same result, and converting a
    /// 100,000-step curve costs more than drawing it.
    private var curves: [String: KaplanMeierResult] = [:]
    private var provenance: [ReportDocument.Provenance] = []
    /// What the report read and how much of it it had to hash itself, for the stage's log.
    private(set) var reading = ReadCount()

    /// Reads `context`, with each instance of a gathered input also named
    /// `ReportSettings.gatheredName(NAME, KEY)` (its path and producing instance), so a forest
    /// block reads, and its provenance row names, one instance like any input.
    init(context: StageKindContext) {
        var context = context
        for (name, entries) in context.gathered {
            for entry in entries {
                let instance = ReportSettings.gatheredName(name, entry.key)
                context.inputs[instance] = entry.path
                context.inputProducers[instance] = entry.stage
            }
        }
        self.context = context
    }

    /// The input's path relative to the workspace, as the workflow names it.
    func relative(_ path: String) -> String {
        let prefix = context.root.hasSuffix("/") ? context.root : context.root + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    mutating func input(_ name: String) throws(ReportError) -> ReportInput {
        if let input = loaded[name] { return input }
        if let entries = context.gathered[name] {
            throw ReportError("input " + ReportSettings.gatheredProblem(name, entries, needs: "a published value"))
        }
        guard let path = context.inputs[name] else { throw ReportError("input '\(name)' is not declared") }
        let file: InputBytes
        do throws(InputReadError) {
            file = try read(name, limit: ResultValue.maxBytes)
        } catch .tooLarge(let size) {
            throw ReportError("input '\(name)' ('\(relative(path))') is \(size >> 20) MiB, over the limit of \(ResultValue.maxBytes >> 20) MiB for a result; check that it is the right file")
        } catch {
            throw ReportError("input '\(name)': cannot read '\(relative(path))'")
        }
        let input = try ReportInput.load(name: name, file: file, displayPath: relative(path))
        loaded[name] = input
        return input
    }

    /// Reads input `name` with the digest of the bytes read: the stage key's digest when the file
    /// is provably the one hashed for the key, so nothing the engine hashed is hashed again
    /// (`StageKindContext.readInput` says how an input edited since is caught).
    mutating func read(_ name: String, limit: Int = Int.max) throws(InputReadError) -> InputBytes {
        let file = try context.readInput(name, limit: limit)
        reading.files += 1
        reading.bytes += file.bytes.count
        if file.hashed { reading.hashedBytes += file.bytes.count }
        return file
    }

    mutating func record(_ item: String, _ name: String, digest: Digest) {
        provenance.append(ReportDocument.Provenance(
            item: item, input: name, path: relative(context.inputs[name] ?? name), stage: context.inputProducers[name],
            sha256: digest.hex))
    }

    mutating func document() throws(ReportError) -> ReportDocument {
        let (layout, problems) = ReportSettings.read(context.with, inputs: relativeInputs, gathered: context.gathered)
        if !problems.isEmpty { throw ReportError(problems.joined(separator: "\n")) }
        let numbers = CrossReferences.numbers(layout)
        func cite(_ text: String, link: Bool = true) -> String {
            CrossReferences.resolve(text, figures: numbers.figures, tables: numbers.tables, link: link)
        }
        var sections: [ReportDocument.Section] = []
        var figureNumber = 0, tableNumber = 0
        for (s, section) in layout.sections.enumerated() {
            var inputText = try sectionText(section, number: s + 1)
            if section.generatesMethods { inputText = try methodsText() + (inputText.isEmpty ? "" : "\n\n" + inputText) }
            var blocks: [ReportDocument.Block] = []
            for figure in section.figures {
                figureNumber += 1
                // An image's caption is also its SVG's <desc>, plain text: there a reference is words.
                var plain = figure
                plain.caption = figure.caption.map { cite($0, link: false) }
                var rendered = try render(plain, number: figureNumber)
                rendered.caption = figure.caption.map { cite($0) }
                blocks.append(.figure(rendered))
            }
            for table in section.tables {
                tableNumber += 1
                blocks.append(.table(try render(table, number: tableNumber)))
            }
            sections.append(ReportDocument.Section(title: section.title, text: cite(section.text), blocks: blocks,
                                                   inputText: cite(inputText)))
        }
        return ReportDocument(title: layout.title, authors: layout.authors, sections: sections, provenance: provenance)
    }

    /// The declared inputs, workspace-relative (without the gathered instances' own names).
    var relativeInputs: [String: String] { declaredInputs.mapValues { relative($0) } }

    var declaredInputs: [String: String] { context.inputs.filter { !$0.key.contains("[") } }

    mutating func render(_ figure: ReportSettings.Figure, number: Int) throws(ReportError) -> ReportDocument.Figure {
        let item = "Figure \(number)"
        let id = "figure\(number)"
        if figure.type == .image { return try imageFigure(figure, id: id, item: item) }
        if figure.type == .kaplanMeier && figure.layout != nil { return try kaplanMeierPanels(figure, id: id, item: item) }
        let inputs = try figure.inputs.map { (name) throws(ReportError) -> ReportInput in try input(name) }
        for input in inputs { record(item, input.name, digest: input.digest) }
        switch figure.type {
        case .kaplanMeier:
            var km: ReportInput? = nil, logRank: ReportInput? = nil
            for input in inputs {
                try input.require([.kaplanMeier, .logRank], for: "\(figure.field).inputs")
                if input.kind == .kaplanMeier {
                    guard km == nil else { throw ReportError("\(figure.field).inputs: two kaplan-meier results ('\(km!.name)', '\(input.name)'); give one and optionally a log-rank result") }
                    km = input
                } else {
                    logRank = input
                }
            }
            guard let km else { throw ReportError("\(figure.field).inputs: no kaplan-meier result among \(figure.inputs.joined(separator: ", "))") }
            let result: KaplanMeierResult
            if let cached = curves[km.name] {
                result = cached
            } else {
                result = try km.kaplanMeier
                curves[km.name] = result
            }
            let chart = KaplanMeierChart(result: result, logRank: try logRank?.logRank, title: figure.title,
                                         xLabel: figure.xLabel, showMedians: figure.medians, showConfidence: figure.confidence)
            return ReportDocument.Figure(title: figure.title, caption: figure.caption, svg: chart.svg(id: id),
                                         description: chart.description)
        case .forest:
            var models: [ForestChart.Model] = []
            for (k, input) in inputs.enumerated() {
                try input.require([.cox], for: "\(figure.field).inputs")
                let label = figure.labels?[k] ?? figure.defaultLabels[k] ?? (inputs.count > 1 ? input.name : "")
                models.append(ForestChart.Model(label: label, result: try input.cox))
            }
            models = try Self.pick(figure.terms, labels: figure.termLabels, from: models, field: figure.field)
            let chart = ForestChart(models: models, title: figure.title, xLabel: figure.xLabel ?? "Hazard ratio (log scale)",
                                    labels: TermLabels(figure.termLabels))
            return ReportDocument.Figure(title: figure.title, caption: figure.caption, svg: chart.svg(id: id),
                                         description: chart.description)
        case .image:
            return try imageFigure(figure, id: id, item: item)
        case .power:
            let input = inputs[0]
            try input.require([.trialPower], for: "\(figure.field).input")
            let chart = PowerChart(result: try input.trialPower, title: figure.title,
                                   xLabel: figure.xLabel ?? "Sample size (patients)")
            return ReportDocument.Figure(title: figure.title, caption: figure.caption, svg: chart.svg(id: id),
                                         description: chart.description)
        }
    }

    mutating func render(_ table: ReportSettings.Table, number: Int) throws(ReportError) -> ReportTable {
        let item = "Table \(number)"
        guard table.type != .published else { return try published(table, item: item) }
        if table.type == .csv { return try csvTable(table, item: item) }
        if table.type == .cox && !table.instances.isEmpty { return try coxRows(table, item: item) }
        if table.type == .characteristics { return try characteristics(table, item: item) }
        guard let name = table.input else { throw ReportError("\(table.field).input: missing") }
        let source = try input(name)
        record(item, name, digest: source.digest)
        let field = "\(table.field).input"
        switch table.type {
        case .cohort:
            try source.require([.ingestSummary], for: field)
            return ReportTable.cohort(try source.cohort, title: table.title)
        case .cox:
            try source.require([.cox], for: field)
            let result = try source.cox
            _ = try Self.pick(nil, labels: table.termLabels, from: [ForestChart.Model(label: "", result: result)], field: table.field)
            return ReportTable.cox(result, title: table.title, labels: TermLabels(table.termLabels))
        case .logRank:
            try source.require([.logRank], for: field)
            return ReportTable.logRank(try source.logRank, title: table.title)
        case .power:
            try source.require([.trialPower], for: field)
            return ReportTable.power(try source.trialPower, title: table.title)
        case .published:
            return try published(table, item: item)
        case .csv:
            return try csvTable(table, item: item)
        case .characteristics:
            return try characteristics(table, item: item)
        }
    }

    /// The published-versus-reproduced table: each published figure beside the number its path
    /// selects in this run's results; the YAML file and every result it reads enter provenance.
    mutating func published(_ table: ReportSettings.Table, item: String) throws(ReportError) -> ReportTable {
        guard let fileInput = table.fileInput, let path = context.inputs[fileInput] else {
            throw ReportError("\(table.field).file: not among the stage's inputs")
        }
        let file: InputBytes
        do { file = try read(fileInput) } catch { throw ReportError("\(table.field).file: cannot read '\(relative(path))'") }
        let bytes = file.bytes
        provenance.append(ReportDocument.Provenance(item: item, input: fileInput, path: relative(path),
                                                    stage: context.inputProducers[fileInput], sha256: file.digest.hex))
        guard case .valid(let text) = UTF8Check.validate(bytes) else {
            throw ReportError("\(table.field).file: '\(relative(path))' \(PublishedFigures.encodingProblem(bytes) ?? "is not UTF-8")")
        }
        let parsed = PublishedFigures.parse(text, inputs: Set(declaredInputs.keys))
        if let first = parsed.problems.first { throw ReportError("\(table.field).file: '\(relative(path))' \(first)") }
        var rows: [PublishedComparison] = []
        var seen: Set<String> = []
        // Each input decoded through its model once, however many figures read it.
        var trees: [String: ResultValue] = [:]
        for entry in parsed.figures.entries {
            let source = try input(entry.input)
            if seen.insert(entry.input).inserted { record(item, entry.input, digest: source.digest) }
            let tree: ResultValue
            if let known = trees[entry.input] { tree = known } else { tree = try source.lookupTree() }
            trees[entry.input] = tree
            let value: Double?
            do throws(ReportError) {
                value = try entry.path.number(in: tree)
            } catch {
                throw ReportError("\(table.field).file: '\(relative(path))': quantity '\(entry.quantity)': input '\(entry.input)': \(error.message)")
            }
            rows.append(PublishedComparison(quantity: entry.quantity, published: entry.published,
                                            publishedValue: entry.publishedValue, unit: entry.unit, citation: entry.citation,
                                            reproduced: value, source: "\(entry.input): \(entry.path)"))
        }
        return ReportTable.published(rows, title: table.title)
    }
}

/// Inputs a report read, in files and bytes, and the bytes it hashed because the stage key's
/// digest could not vouch for them (0 on a normal run; the report benchmark prints it).
struct ReadCount: Sendable, Equatable {
    var files = 0
    var bytes = 0
    var hashedBytes = 0

    /// The log line, e.g. `report/html: read 3 input files (1234 bytes), hashed 0 bytes`.
    var line: String { "report/html: read \(files) input files (\(bytes) bytes), hashed \(hashedBytes) bytes" }
}
