import StudyCore
import Testing
@testable import StudyProvenance

/// Values that moved inside JSON results, by path, as `studyflow diff` lists them.
@Suite("JSON result diff")
struct JSONResultDiffTests {
    static func json(_ text: String) -> JSONValue { JSONText.parse(text)! }

    static func lines(_ changes: [JSONResultDiff.Change]) -> [String] {
        changes.map { "\($0.path) \($0.old?.canonicalJSON ?? "(none)") → \($0.new?.canonicalJSON ?? "(none)")" }
    }

    @Test("array elements are matched by their natural key, so an inserted term does not shift the others")
    func naturalKey() {
        let old = Self.json(#"{"terms":[{"term":"age","hr":1.906},{"term":"liver_status=Liver metastasis","hr":2.5}]}"#)
        let new = Self.json(#"{"terms":[{"term":"sex","hr":0.7},{"term":"age","hr":1.912},{"term":"liver_status=Liver metastasis","hr":2.5}]}"#)
        #expect(Self.lines(JSONResultDiff().changes(from: old, to: new)) == [
            #"terms[term=sex] (none) → {"hr":0.7,"term":"sex"}"#,
            "terms[term=age].hr 1.906 → 1.912",
        ])
    }

    @Test("without a natural key shared by every element, arrays are matched by index")
    func byIndex() {
        let old = Self.json(#"{"surv":[1,0.9,0.8],"rows":[{"a":1},{"a":2}]}"#)
        let new = Self.json(#"{"surv":[1,0.85],"rows":[{"a":1},{"a":3},{"a":4}]}"#)
        #expect(Self.lines(JSONResultDiff().changes(from: old, to: new)) == [
            "rows[1].a 2 → 3", #"rows[2] (none) → {"a":4}"#, "surv[1] 0.9 → 0.85", "surv[2] 0.8 → (none)",
        ])
    }

    @Test("a key repeated inside one array is not natural: time, repeated across curves, falls back to index")
    func repeatedKey() {
        let old = Self.json(#"[{"time":1,"s":0.9},{"time":1,"s":0.8}]"#)
        let new = Self.json(#"[{"time":1,"s":0.9},{"time":1,"s":0.7}]"#)
        #expect(Self.lines(JSONResultDiff().changes(from: old, to: new)) == ["[1].s 0.8 → 0.7"])
    }

    @Test("the tolerance hides float noise: absolute below 1, relative above; 0 shows every change")
    func tolerance() {
        let old = Self.json(#"{"p":0.0001,"hr":1000.0,"n":10,"name":"a"}"#)
        let new = Self.json(#"{"p":0.00010000001,"hr":1000.00001,"n":11,"name":"b"}"#)
        #expect(JSONResultDiff().changes(from: old, to: new).count == 4)
        #expect(Self.lines(JSONResultDiff(tolerance: 1e-6).changes(from: old, to: new)) == ["n 10 → 11", #"name "a" → "b""#])
        #expect(Self.lines(JSONResultDiff(tolerance: 0.2).changes(from: old, to: new)) == [#"name "a" → "b""#])
    }

    @Test("members added and removed, type changes and nulls are reported; equal documents give nothing")
    func membersAndTypes() {
        let old = Self.json(#"{"a":1,"b":null,"c":"x","gone":true}"#)
        let new = Self.json(#"{"a":"1","b":2.5,"c":"x","new":[1]}"#)
        #expect(Self.lines(JSONResultDiff().changes(from: old, to: new)) == [
            #"a 1 → "1""#, "b null → 2.5", "new (none) → [1]", "gone true → (none)",
        ])
        #expect(JSONResultDiff().changes(from: old, to: old).isEmpty)
    }
}
