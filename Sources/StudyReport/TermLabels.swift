/// Readable names for Cox terms: a `labels:` map first (term → text), else a categorical term
/// `name=level` with a recorded reference level reads "Level (vs reference)", as a clinician
/// writes it ("Liver metastasis (vs no liver metastasis)"); anything else keeps its term name.
public struct TermLabels: Equatable, Sendable {
    /// Labels given by the workflow, by term.
    public var given: [String: String]

    /// Creates labels over the given map (empty for the automatic labels only).
    public init(_ given: [String: String] = [:]) {
        self.given = given
    }

    /// The label of `term`.
    public func label(_ term: CoxResult.Term) -> String {
        if let text = given[term.term] { return text }
        guard let equals = term.term.firstIndex(of: "="), let reference = term.reference else { return term.term }
        let level = String(term.term[term.term.index(after: equals)...])
        return "\(level) (vs \(Self.lowercasedStart(reference)))"
    }

    /// `text` with its first letter in lower case, unless the word is an acronym or a code
    /// (`NSCLC`, `T2`), which keeps its case.
    static func lowercasedStart(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.first, first.properties.isUppercase else { return text }
        if scalars.count > 1, !scalars[1].properties.isLowercase { return text }
        return String(first.properties.lowercaseMapping) + String(String.UnicodeScalarView(scalars.dropFirst()))
    }
}
