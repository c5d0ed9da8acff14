import StudyCore
import StudyEngine
import StudyReport

/// The report's own-artifact elements — an image (PNG or sanitized SVG) figure, a csv table and a
/// section's `text_input` — and the per-instance forms over a gathered input (image and
/// kaplan-meier panels, csv and cox rows). Each file read gets its provenance row.
extension ReportBuilder {
    /// Largest CSV a table reads, and largest Markdown a section reads.
    static let maxCSVBytes = 16 << 20
    static let maxTextBytes = 1 << 20

    /// Input `name`'s bytes, refusing a file over `limit` with the input, file, size and a fix.
    mutating func bytes(_ name: String, limit: Int, field: String, what: String) throws(ReportError) -> InputBytes {
        let path = relative(context.inputs[name] ?? name)
        do throws(InputReadError) {
            return try read(name, limit: limit)
        } catch .tooLarge(let size) {
            throw ReportError("\(field): input '\(name)' ('\(path)') is \(TextFormat.fixed(Double(size) / Double(1 << 20), 1)) MiB, over the limit of \(limit >> 20) MiB for \(what); \(what == "an image" ? "save it smaller" : "shorten it") in the stage that writes it")
        } catch {
            throw ReportError("\(field): input '\(name)': cannot read '\(path)'; check that the stage that writes it succeeded")
        }
    }

    /// An image figure: one panel per file (a gathered input's instances, labelled).
    mutating func imageFigure(_ figure: ReportSettings.Figure, id: String, item: String) throws(ReportError) -> ReportDocument.Figure {
        let alt = figure.alt ?? figure.title
        var panels: [FigurePanels.Panel] = []
        for (k, name) in figure.inputs.enumerated() {
            let file = try bytes(name, limit: max(PNGImage.maxBytes, SVGSanitizer.maxBytes), field: "\(figure.field).input", what: "an image")
            record(item, name, digest: file.digest)
            let label = figure.inputs.count > 1 || figure.layout != nil ? (figure.defaultLabels[k] ?? name) : nil
            let panelAlt = label.map { "\(alt): \($0)" } ?? alt
            let path = relative(context.inputs[name] ?? name)
            let markup: String
            if file.bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
                do throws(PNGImage.Failure) {
                    markup = FigurePanels.image(try PNGImage(file.bytes), alt: panelAlt)
                } catch {
                    throw ReportError("\(figure.field).input: input '\(name)' ('\(path)'): \(error.message)")
                }
            } else {
                let panelID = figure.inputs.count > 1 ? "\(id)-\(k + 1)" : id
                do throws(SVGSanitizer.Failure) {
                    markup = try SVGSanitizer(id: panelID).sanitize(file.bytes, title: panelAlt, description: figure.caption ?? panelAlt)
                } catch {
                    throw ReportError("\(figure.field).input: input '\(name)' ('\(path)') is not an SVG the report can inline: \(error.message); write the figure as PNG or plain SVG")
                }
            }
            panels.append(FigurePanels.Panel(label: label, markup: markup,
                                             markdown: FigurePanels.markdownImage(alt: panelAlt, path: summaryRelative(path))))
        }
        let body = FigurePanels(panels: panels, layout: figure.layout ?? .stack)
        return ReportDocument.Figure(title: figure.title, caption: figure.caption, svg: body.html, description: alt,
                                     markdownBody: body.markdown)
    }

    /// A workspace path as the Markdown summary links it: relative to the summary's folder.
    func summaryRelative(_ path: String) -> String {
        guard let summary = context.outputs["summary"] else { return path }
        let from = relative(summary).split(separator: "/").dropLast()
        let to = path.split(separator: "/", omittingEmptySubsequences: false)
        var common = 0
        while common < from.count && common < to.count - 1 && from[from.startIndex + common] == to[common] { common += 1 }
        let ups = Array(repeating: "..", count: from.count - common)
        return (ups + to[common...].map(String.init)).joined(separator: "/")
    }

    /// Kaplan-Meier small multiples: one chart per instance, every x axis fitted to the longest
    /// follow-up of all panels so the curves compare by eye.
    mutating func kaplanMeierPanels(_ figure: ReportSettings.Figure, id: String, item: String) throws(ReportError) -> ReportDocument.Figure {
        var charts: [KaplanMeierChart] = []
        for (k, name) in figure.inputs.enumerated() {
            let source = try input(name)
            record(item, name, digest: source.digest)
            try source.require([.kaplanMeier], for: "\(figure.field).input")
            let label = figure.defaultLabels[k] ?? name
            charts.append(KaplanMeierChart(result: try source.kaplanMeier, title: label, xLabel: figure.xLabel,
                                           showMedians: figure.medians, showConfidence: figure.confidence))
        }
        let range = charts.map(\.lastTime).max() ?? 1
        charts = charts.map { chart in
            var chart = chart
            chart.timeRange = range
            return chart
        }
        let description = charts.map(\.description).joined(separator: " ")
        guard figure.layout == .grid else {
            let panels = charts.enumerated().map { k, chart in
                FigurePanels.Panel(label: chart.title, markup: chart.svg(id: "\(id)-\(k + 1)"), markdown: "> \(chart.description)")
            }
            let body = FigurePanels(panels: panels, layout: .stack)
            return ReportDocument.Figure(title: figure.title, caption: figure.caption, svg: body.html,
                                         description: description, markdownBody: body.markdown)
        }
        let body = SmallMultiples.kaplanMeier(charts, id: id)
        return ReportDocument.Figure(title: figure.title, caption: figure.caption, svg: body.html,
                                     description: description, markdownBody: body.markdown)
    }

    /// A csv table: one file, or a block of rows per instance of a gathered input.
    mutating func csvTable(_ table: ReportSettings.Table, item: String) throws(ReportError) -> ReportTable {
        guard let input = table.input else { throw ReportError("\(table.field).input: missing") }
        let names = table.instances.isEmpty ? [input] : table.instances
        var header: [String]? = table.columns
        var blocks: [ReportTable.CSVBlock] = []
        for (k, name) in names.enumerated() {
            let file = try bytes(name, limit: Self.maxCSVBytes, field: "\(table.field).input", what: "a table")
            record(item, name, digest: file.digest)
            let path = relative(context.inputs[name] ?? name)
            let (fileHeader, records) = try csvRecords(file.bytes, name: name, path: path, field: table.field)
            let chosen = header ?? fileHeader
            header = chosen
            var indices: [Int] = []
            for column in chosen {
                guard let index = fileHeader.firstIndex(of: column) else {
                    throw ReportError("\(table.field).columns: column '\(column)' is not in '\(path)' (input '\(name)'); its columns are: "
                        + fileHeader.map { "'\($0)'" }.joined(separator: ", ") + "; fix the name in columns: or in the stage that writes the file")
                }
                indices.append(index)
            }
            let rows = records.map { record in indices.map { $0 < record.count ? record[$0] : "" } }
            blocks.append(ReportTable.CSVBlock(label: table.instances.isEmpty ? nil : table.instanceLabels[k], rows: rows))
        }
        let source = names.count == 1 ? "'\(relative(context.inputs[input] ?? input))'" : "the files of '\(input)'"
        return ReportTable.csv(header: header ?? [], blocks: blocks, digits: table.digits,
                               title: table.title ?? "Table from '\(relative(context.inputs[names[0]] ?? input))'", source: source)
    }

    /// The header and rows of a CSV (tab-separated when the file ends in `.tsv`).
    func csvRecords(_ bytes: [UInt8], name: String, path: String, field: String) throws(ReportError) -> ([String], [[String]]) {
        let reader = CSVReader(delimiter: path.hasSuffix(".tsv") ? UInt8(ascii: "\t") : UInt8(ascii: ","))
        let records: [CSVReader.Record]
        do throws(CSVReader.Failure) {
            records = try reader.records(bytes)
        } catch {
            throw ReportError("\(field).input: input '\(name)' ('\(path)') line \(error.row): \(error.message); fix the stage that writes it")
        }
        guard let first = records.first else {
            throw ReportError("\(field).input: input '\(name)' ('\(path)') is empty; a csv table needs a header line and rows")
        }
        return (first.fields, records.dropFirst().map(\.fields))
    }

    /// A cox table over a gathered input: each instance's terms, labelled, one note line each.
    mutating func coxRows(_ table: ReportSettings.Table, item: String) throws(ReportError) -> ReportTable {
        var combined: ReportTable? = nil
        var notes: [String] = []
        for (k, name) in table.instances.enumerated() {
            let source = try input(name)
            record(item, name, digest: source.digest)
            try source.require([.cox], for: "\(table.field).input")
            let one = ReportTable.cox(try source.cox, title: table.title)
            let label = table.instanceLabels[k]
            if combined == nil {
                combined = ReportTable(title: one.title, columns: [ReportTable.Column("Instance")] + one.columns, rows: [])
            }
            combined!.rows += one.rows.map { [label] + $0 }
            if let note = one.note { notes.append("\(label): \(note)") }
        }
        guard var result = combined else { throw ReportError("\(table.field).input: '\(table.input ?? "")' gathers no instances") }
        result.note = notes.isEmpty ? nil : notes.joined(separator: " ")
        return result
    }

    /// A section's `text_input`: UTF-8 Markdown, at most `maxTextBytes`.
    mutating func sectionText(_ section: ReportSettings.Section, number: Int) throws(ReportError) -> String {
        guard let name = section.textInput else { return "" }
        let field = "\(section.field).text_input"
        let file = try bytes(name, limit: Self.maxTextBytes, field: field, what: "section text")
        record("Section \(number) text", name, digest: file.digest)
        guard case .valid(let text) = UTF8Check.validate(file.bytes) else {
            let problem = UTF8Check.firstInvalid(file.bytes).map { "is not UTF-8: \($0)" } ?? "is not UTF-8"
            throw ReportError("\(field): input '\(name)' ('\(relative(context.inputs[name] ?? name))') \(problem); write it as UTF-8")
        }
        return text
    }
}
