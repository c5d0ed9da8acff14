import StudyCore

/// A typed value read back from a record (a stage's `status`, a run's `outcome`), or the text of
/// one this version of studyflow does not know.
///
/// Records are history, read by `log`, `audit`, `reproduce`, `crate` and the no-op shortcut of
/// `run`. A spelling this version does not know can only come from a newer studyflow (a status
/// added later) or a hand-edited record; failing on it would make an older binary unable to read,
/// or even run in, a workspace a newer one has touched. So it is kept as `.unknown(text)`: shown
/// as written, re-encoded byte for byte, and trusted for nothing — a stage with an unknown status
/// counts as having no outputs, a run with an unknown outcome as not ok.
public enum Recorded<Value>: Equatable, Sendable, CustomStringConvertible
where Value: RawRepresentable & Sendable, Value.RawValue == String {
    /// A spelling this version knows.
    case known(Value)
    /// Any other spelling, verbatim.
    case unknown(String)

    /// The value spelled `rawValue`: `.known` when this version knows it.
    public init(rawValue: String) {
        self = Value(rawValue: rawValue).map(Recorded.known) ?? .unknown(rawValue)
    }

    /// The spelling on disk.
    public var rawValue: String {
        switch self {
        case .known(let value): return value.rawValue
        case .unknown(let text): return text
        }
    }

    /// The typed value, nil when unknown.
    public var known: Value? {
        if case .known(let value) = self { return value }
        return nil
    }

    /// The spelling, as `log` and `audit` print it.
    public var description: String { rawValue }

    /// Equal when spelled the same (so `.unknown("ran")`, built by hand, equals `.known(.ran)`).
    public static func == (a: Recorded, b: Recorded) -> Bool { a.rawValue == b.rawValue }
}

extension Recorded where Value == StageStatus {
    /// Whether the stage's outputs stand recorded (ran, cached, restored); false when unknown.
    public var hasOutputs: Bool { known?.hasOutputs ?? false }
}
