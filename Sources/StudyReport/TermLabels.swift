/// Readable names for Cox terms: a `labels:` map first (term → text), else a categorical term
/// `name=level` with a recorded reference level reads "Level (vs reference)", as a clinician
/// writes it ("Liver metastasis (vs no liver metastasis)"); a level without a letter (`1`, `<30`)
/// says nothing alone, so it takes its variable's name ("ecog 1 (vs 0)"); anything else keeps its
/// term name.
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
        guard level.unicodeScalars.contains(where: { $0.properties.isAlphabetic }) else {
            let name = String(term.term[..<equals].map { $0 == "_" ? " " : $0 })
            return "\(name) \(level) (vs \(reference))"
        }
        return "\(level) (vs \(Self.lowercasedStart(reference)))"
    }

    /// `text` with its first letter in lower case when it is written in sentence case ("No liver
    /// metastasis" → "no liver metastasis"); an acronym or a code (`NSCLC`, `T2`) and a name in
    /// title case ("Non-Small Cell Lung Cancer") keep their case.
    static func lowercasedStart(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.first, first.properties.isUppercase else { return text }
        if scalars.count > 1, !scalars[1].properties.isLowercase { return text }
        for (k, scalar) in scalars.enumerated().dropFirst() where scalar.properties.isUppercase {
            let previous = scalars[k - 1]
            if previous == " " || previous == "-" || previous == "/" { return text }
        }
        return String(first.properties.lowercaseMapping) + String(String.UnicodeScalarView(scalars.dropFirst()))
    }
}
