import StudyCore

/// A result kind's typed model: the one place its JSON schema is spelled. Each model has exactly
/// one encoder (`encoded`, giving the bytes its stage writes, in schema order) and one decoder
/// (`decode`, refusing a malformed file with the field path), and every writer and reader goes
/// through it: the stage that writes the result, `report/html` (which turns the model into
/// StudyReport's plain values), published-figures lookups and `control_median_from`.
///
/// The models live in StudyStages, beside the kinds that write them, not in StudyReport: the report
/// module takes plain values (DESIGN.md §1) and draws only part of each result, while a model holds
/// every field written (variance matrix, PH test, echoed settings). A member name used by one model
/// is spelled in that model's file; one shared by several models is spelled once in `ResultKey`.
/// `ResultKeyOwnershipTests` holds that mechanically.
protocol ResultModel: Equatable, Sendable {
    /// The `kind` tag the result carries, nil for a result without one (the ingest/csv summary).
    static var kind: String? { get }
    /// Every member name the model writes, for the ownership test and for messages.
    static var keys: [String] { get }
    /// The result as written, in schema order.
    var encoded: ResultJSON { get }
    /// Reads the result from a parsed file; `root.file` names it in errors.
    static func decode(_ root: ResultField) throws(ResultDecodingError) -> Self
}

extension ResultModel {
    /// The file contents: the encoded text and a final newline.
    var fileBytes: [UInt8] { encoded.fileBytes }

    /// Decodes a parsed file, checking its `kind` tag first.
    static func decode(_ value: ResultValue, file: String) throws(ResultDecodingError) -> Self {
        let root = ResultField(value, file: file)
        if let kind { try root.member(ResultKey.kind).expect(kind) }
        return try decode(root)
    }
}

extension Double {
    /// The value when finite, else nil: results write a non-finite number as `null`, so a model
    /// holds it as nil and decodes back to what it held.
    var finiteOrNil: Double? { isFinite ? self : nil }
}
