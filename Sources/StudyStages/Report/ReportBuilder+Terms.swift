import StudyCore
import StudyReport

extension ReportBuilder {
    /// The models with only the `terms` asked for, in that order (all when nil). A term in no
    /// model, or a label for one, fails the stage naming the terms present, since a typo would
    /// otherwise drop a row or a label without a word.
    static func pick(_ terms: [String]?, labels: [String: String], from models: [ForestChart.Model],
                     field: String) throws(ReportError) -> [ForestChart.Model] {
        var present: [String] = []
        for term in models.flatMap(\.result.terms) where !present.contains(term.term) { present.append(term.term) }
        let list = present.map { "'\($0)'" }.joined(separator: ", ")
        for (k, term) in (terms ?? []).enumerated() where !present.contains(term) {
            throw ReportError("\(field).terms[\(k)]: no term '\(term)' in the Cox result; its terms are \(list)"
                + Spelling.hint(for: term, among: present))
        }
        for term in labels.keys.sorted() where !present.contains(term) {
            throw ReportError("\(field).labels: no term '\(term)' in the Cox result; its terms are \(list)"
                + Spelling.hint(for: term, among: present))
        }
        guard let terms else { return models }
        return models.map { model in
            var model = model
            model.result.terms = terms.compactMap { name in model.result.terms.first { $0.term == name } }
            return model
        }
    }
}
