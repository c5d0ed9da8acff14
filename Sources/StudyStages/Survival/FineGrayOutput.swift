import StudyCore

/// The result `survival/fine-gray` writes (schema in README.md): the members of a `survival/cox`
/// result (terms with `robust_se`, log-likelihoods, tests, variance) for the weighted fit to the
/// expanded data, tagged `survival/fine-gray`, with the cause modelled, the number of competing
/// events and of expanded rows. `n` and `events` count subjects and events of the cause.
struct FineGrayOutput: ResultModel {
    var cause: String
    var competingEvents: Int
    var expandedRows: Int
    /// The Cox model part, encoded by `CoxOutput` under this result's kind.
    var fit: CoxOutput

    /// Member names only this model writes.
    enum Key {
        static let cause = "cause"
        static let competingEvents = "competing_events"
        static let expandedRows = "expanded_rows"
    }

    static let kind: String? = "survival/fine-gray"
    static let keys = [Key.cause, Key.competingEvents, Key.expandedRows]

    var encoded: ResultJSON {
        guard case .object(let members) = fit.encoded else { return fit.encoded }
        let own: [(String, ResultJSON)] = [
            (Key.cause, .string(cause)), (Key.competingEvents, .integer(competingEvents)), (Key.expandedRows, .integer(expandedRows)),
        ]
        // The kind tag first, then what is Fine–Gray's own, then the Cox members in their order.
        return .object([(ResultKey.kind, .string(Self.kind!))] + own + members.filter { $0.0 != ResultKey.kind })
    }

    static func decode(_ root: ResultField) throws(ResultDecodingError) -> FineGrayOutput {
        FineGrayOutput(cause: try root.member(Key.cause).string(), competingEvents: try root.member(Key.competingEvents).integer(),
                       expandedRows: try root.member(Key.expandedRows).integer(), fit: try CoxOutput.decode(root))
    }
}
