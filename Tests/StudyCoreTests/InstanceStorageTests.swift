import StudyCore
import Testing

/// A disk on which every source file exists and nothing escapes.
private struct AllSourcesExist: PathProbe {
    func exists(_ path: String) -> Bool { true }
    func staysInside(_ path: String) -> Bool { true }
}

/// `yaml` loaded, validated, encoded as the compiled-workflow cache stores it and decoded again.
private func roundTrip(_ yaml: String) throws -> (original: CompiledWorkflow, decoded: CompiledWorkflow) {
    let workflow = try WorkflowLoader(knownKinds: []).load(text: yaml, file: "workflow.yaml")
    let graph = try WorkflowValidator(probe: AllSourcesExist()).validate(workflow)
    let original = CompiledWorkflow(workflow: workflow, graph: graph)
    let decoded = try original.encoded().withUnsafeBytes { try CompiledWorkflow(decoding: $0) }
    return (original, decoded)
}

/// The address of the segments buffer of a shell stage's command (nil for a built-in).
private func segmentsAddress(_ stage: Stage) -> UnsafeRawPointer? {
    guard case .shell(let template) = stage.action else { return nil }
    return template.segments.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
}

@Suite("How fan-out instances are stored: shared where they are the same, per instance where not")
struct InstanceStorageTests {
    static let matrix = """
    name: grid
    stages:
      row:
        foreach: [a0, a1]
        run: echo ${each.key} > ${outputs.out}
        outputs: {out: "out/row/${each.key}.txt"}
      cell:
        matrix: {a: [a0, a1], b: [b0, b1, b2]}
        run: cat ${inputs} > ${outputs.out} && echo ${matrix.a}-${matrix.b} >> ${outputs.out}
        inputs: ["out/row/${matrix.a}.txt"]
        outputs: {out: "out/cell/${matrix.a}/${matrix.b}.txt"}
      last:
        run: cat out/cell/a0/b0.txt > ${outputs.out}
        inputs: [out/cell/a0/b0.txt]
        outputs: {out: out/last.txt}
    """

    @Test("a decoded compiled workflow equals the loaded one, and each instance's command expands with its own item")
    func roundTripIsExact() throws {
        let (original, decoded) = try roundTrip(Self.matrix)
        #expect(decoded == original)
        let ids = decoded.workflow.stages.map(\.id)
        #expect(ids == ["row@a0", "row@a1", "cell@a0-b0", "cell@a0-b1", "cell@a0-b2", "cell@a1-b0", "cell@a1-b1", "cell@a1-b2", "last"])
        #expect(decoded.workflow.stages[7].outputs.map(\.path) == ["out/cell/a1/b2.txt"])
        #expect(decoded.workflow.item(of: 7)?.axes.map(\.value) == [.string("a1"), .string("b2")])
    }

    @Test("the instances of one template share one parsed command after decoding; other templates keep their own")
    func instancesShareTheirCommand() throws {
        let stages = try roundTrip(Self.matrix).decoded.workflow.stages
        let cells = stages.filter { $0.id.hasPrefix("cell@") }.map(segmentsAddress)
        #expect(cells.count == 6)
        #expect(Set(cells.compactMap { $0 }).count == 1)
        let rows = stages.filter { $0.id.hasPrefix("row@") }.map(segmentsAddress)
        #expect(rows[0] == rows[1])
        #expect(rows[0] != cells[0])
        #expect(segmentsAddress(stages[8]) != cells[0])
        guard case .shell(let last) = stages[8].action else { Issue.record("'last' is a shell stage"); return }
        #expect(last.text == "cat out/cell/a0/b0.txt > ${outputs.out}")
    }

    @Test("a matrix item's each.value is the object of its axes without being stored, and equals an item given it explicitly")
    func matrixValueFollowsAxes() {
        let axes = [FanoutEntry(key: "a", value: .string("x")), FanoutEntry(key: "b", value: .integer(2))]
        let object = JSONValue.object(["a": .string("x"), "b": .integer(2)])
        let item = FanoutItem(key: "x-2", eachKey: "x-2", value: object, axes: axes)
        #expect(item.value == object)
        #expect(item.resolve(scope: "each", name: "value.b") == .value(.integer(2)))
        #expect(item.resolve(scope: "matrix", name: "a") == .value(.string("x")))
        // Items with another value than their axes' object keep it, and differ.
        let other = FanoutItem(key: "x-2", eachKey: "x-2", value: .string("custom"), axes: axes)
        #expect(other.value == .string("custom"))
        #expect(other != item)
        #expect(Set([item, other, FanoutItem(key: "x-2", eachKey: "x-2", value: object, axes: axes)]).count == 2)
        // Changing the axes keeps the value as it was; setting the value keeps what was set.
        var moved = item
        moved.axes = [FanoutEntry(key: "a", value: .string("y")), FanoutEntry(key: "b", value: .integer(3))]
        #expect(moved.value == object)
        moved.value = .object(["a": .string("y"), "b": .integer(3)])
        #expect(moved.value == .object(["a": .string("y"), "b": .integer(3)]))
        // A foreach item (no axes) keeps any value, an object included.
        let mapped = FanoutItem(key: "k", eachKey: "k", value: .object([:]))
        #expect(mapped.value == .object([:]))
    }

    @Test("decoded stages without params hold the shared empty table, not one table each")
    func emptyParamsTakeNoTable() throws {
        let stages = try roundTrip(Self.matrix).decoded.workflow.stages
        let empty: [String: JSONValue] = [:]
        #expect(stages.count == 9)
        for stage in stages {
            #expect(stage.params.isEmpty)
            // A dictionary is one reference to its storage; an empty one that reserved room has its own.
            #expect(unsafeBitCast(stage.params, to: UInt.self) == unsafeBitCast(empty, to: UInt.self))
        }
        let withParams = try roundTrip("""
        name: p
        stages:
          a:
            run: echo ${params.n} > ${outputs.out}
            params: {n: 3}
            outputs: {out: a.txt}
        """).decoded.workflow.stages
        #expect(withParams[0].params == ["n": .integer(3)])
    }
}
