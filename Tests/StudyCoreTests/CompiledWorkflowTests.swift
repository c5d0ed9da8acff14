import StudyCore
import Testing
import _StudyTestSupport

private func decode(_ bytes: [UInt8]) throws -> CompiledWorkflow {
    try bytes.withUnsafeBytes { try CompiledWorkflow(decoding: $0) }
}

/// A hand-written encoding of a one-stage workflow whose dependency list holds `dependency`.
private func oneStageEncoding(dependency: Int?) -> [UInt8] {
    var w = BinaryWriter()
    w.write(CompiledWorkflow.formatVersion)
    w.write("w.yaml"); w.write("t"); w.write("")
    w.write(JSONValue.object([:]))
    w.write(JSONValue.object(["sbatch_args": .array([])]))  // slurm: defaults
    w.write(UInt64(0))                                // sign: false
    w.write(UInt64(0)); w.write(UInt64(0))            // include: no files, no patterns
    w.write(JSONValue.object([:]))                    // profiles
    w.write(UInt64(1))
    w.write("a"); w.write(""); w.write(3); w.write(3) // id, file ("": the workflow's), line, column
    w.write(UInt64(0)); w.write("true")               // shell action
    w.write(UInt64(0)); w.write(UInt64(0))            // no inputs, no outputs
    w.write(JSONValue.object([:]))                    // params
    w.write(UInt64(0))                                // env
    w.write(1); w.write(0); w.write(""); w.write("")  // threads, retries, memory, time
    w.write(UInt64(0)); w.write(UInt64(0))            // field locations: values, keys
    w.write(true)                                     // sandbox: true
    w.write(""); w.write(false); w.write(false)       // container: none, network: false
    w.write(UInt64(0))                                // tools
    w.write(true)                                     // local: true
    w.write("tiny")                                   // group: tiny
    if let dependency { w.write(UInt64(1)); w.write(dependency) } else { w.write(UInt64(0)) }
    w.write(UInt64(0))                                // input producers
    w.write(UInt64(0))                                // command words
    w.write(UInt64(0))                                // order: stage 0
    w.write(UInt64(0)); w.write(UInt64(0))            // fan-out groups, gathers
    w.write(UInt64(0))                                // levels fan-outs
    return w.bytes
}

@Suite("CompiledWorkflow")
struct CompiledWorkflowTests {
    @Test("the diamond fixture round-trips through its binary encoding")
    func diamondRoundTrip() throws {
        let compiled = try TestWorkspace(yaml: WorkflowFixtures.diamond, files: WorkflowFixtures.diamondFiles).compile()
        let decoded = try decode(compiled.encoded())
        #expect(decoded == compiled)
        #expect(decoded.commandWords == [["scripts/clean.py"], [], [], []])
        #expect(decoded.graph.dependents == [[1, 2], [3], [3], []])
    }

    @Test("every field of a workflow round-trips, including built-ins, directories and resources")
    func everyFieldRoundTrips() throws {
        let at = { (line: Int, column: Int) in SourceLocation(file: "Workflows/all.yaml", line: line, column: column) }
        let workflow = Workflow(
            file: "Workflows/all.yaml", name: "all", description: "every field",
            params: ["seed": .integer(-42), "rate": .number(0.125), "tags": .array([.string("a"), .null, .bool(false)]),
                     "nested": .object(["k": .object(["deep": .number(-1e-300)])])],
            stages: [
                Stage(id: "split", action: .shell(CommandTemplate("python3 split.py ${inputs.raw} ${outputs.parts} 'it''s'")),
                      inputs: [Artifact(name: "raw", path: "/abs/raw.csv", location: at(5, 20))],
                      outputs: [Artifact(name: "parts", path: "results/parts", isDirectory: true, location: at(6, 21))],
                      params: ["n": .integer(3)], env: ["LANG", "TZ"],
                      resources: StageResources(threads: 8, memory: "2G", time: "1-00:00:00", retries: 3),
                      location: at(3, 3)),
                Stage(id: "km", action: .builtin(kind: "survival/kaplan-meier", with: .object(["time": .string("months")])),
                      inputs: [Artifact(path: "results/parts/a.csv", location: at(9, 15)), Artifact(path: "", location: at(9, 40))],
                      outputs: [Artifact(path: "results/km.json", location: at(10, 15))],
                      location: at(7, 3)),
            ],
            slurm: SlurmDefaults(partition: "short", account: nil, sbatchArguments: ["--qos=low", "--exclusive"]), sign: true)
        let graph = try StageGraph.build(workflow).get()
        let compiled = CompiledWorkflow(workflow: workflow, graph: graph)
        #expect(try decode(compiled.encoded()) == compiled)
    }

    @Test("a 10,000-stage chain round-trips")
    func largeChain() throws {
        let compiled = try TestWorkspace(yaml: WorkflowFixtures.chain(10_000), files: ["data/in.txt": "x"]).compile()
        #expect(try decode(compiled.encoded()) == compiled)
    }

    @Test("every truncation of the encoding throws")
    func truncatedThrows() throws {
        let bytes = try TestWorkspace(yaml: WorkflowFixtures.diamond, files: WorkflowFixtures.diamondFiles).compile().encoded()
        for length in 0..<bytes.count {
            #expect(throws: BinaryFormatError.self, "truncated to \(length) bytes") {
                try decode(Array(bytes[..<length]))
            }
        }
    }

    @Test("trailing bytes, another format version and an unknown action tag throw")
    func otherCorruptionThrows() throws {
        let bytes = try TestWorkspace(yaml: WorkflowFixtures.diamond, files: WorkflowFixtures.diamondFiles).compile().encoded()
        #expect(throws: BinaryFormatError.self) { try decode(bytes + [0]) }
        var otherVersion = bytes
        otherVersion[0] = UInt8(CompiledWorkflow.formatVersion + 1)
        #expect(throws: BinaryFormatError.self) { try decode(otherVersion) }
        #expect(throws: BinaryFormatError.self) { try decode([]) }
    }

    @Test("a hand-written encoding decodes as the format describes")
    func handWrittenEncoding() throws {
        let decoded = try decode(oneStageEncoding(dependency: nil))
        #expect(decoded.workflow.stages.map(\.id) == ["a"])
        #expect(decoded.workflow.stages[0].sandbox)
        #expect(decoded.workflow.stages[0].resources.runsLocally)
        #expect(decoded.workflow.stages[0].resources.group == "tiny")
        #expect(decoded.workflow.stages[0].location == SourceLocation(file: "w.yaml", line: 3, column: 3))
        #expect(decoded.graph.order == [0])
    }

    @Test("a dependency id out of range throws")
    func dependencyOutOfRangeThrows() {
        #expect(throws: BinaryFormatError.self) { try decode(oneStageEncoding(dependency: 5)) }
        #expect(throws: BinaryFormatError.self) { try decode(oneStageEncoding(dependency: -1)) }
    }

    @Test("a dependency id beyond Int32 throws instead of trapping")
    func dependencyBeyondInt32() {
        #expect(throws: BinaryFormatError.self) { try decode(oneStageEncoding(dependency: 1 << 40)) }
        #expect(throws: BinaryFormatError.self) { try decode(oneStageEncoding(dependency: Int.max)) }
        #expect(throws: BinaryFormatError.self) { try decode(oneStageEncoding(dependency: Int.min)) }
    }
}

@Suite("BinaryReader: JSON nesting")
struct BinaryJSONDepthTests {
    @Test("a crafted 100,000-deep JSON value in a compiled workflow is a format error, not a crash")
    func deepJSON() {
        var w = BinaryWriter()
        for _ in 0..<100_000 { w.write(UInt64(5)); w.write(UInt64(1)) }  // an array holding one item, nested
        w.write(UInt64(0))
        let bytes = w.bytes
        #expect(throws: BinaryFormatError.self) {
            try bytes.withUnsafeBytes { raw in
                var r = BinaryReader(raw)
                _ = try r.readJSON()
            }
        }
    }
}
