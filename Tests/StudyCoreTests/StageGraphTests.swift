import StudyCore
import Testing

/// An artifact from a path as a user writes it (`results/dir/` is a directory).
private func artifact(_ path: String) -> Artifact {
    path.hasSuffix("/") ? Artifact(path: String(path.dropLast()), isDirectory: true) : Artifact(path: path)
}

/// A shell stage reading and writing the given paths.
private func stage(_ id: String, reads: [String] = [], writes: [String] = [], run: String = "true") -> Stage {
    Stage(id: id, action: .shell(CommandTemplate(run)), inputs: reads.map(artifact), outputs: writes.map(artifact))
}

private func graph(_ stages: [Stage]) throws -> StageGraph {
    try StageGraph.build(Workflow(file: "w.yaml", name: "t", stages: stages)).get()
}

/// Ids of the stages marked true.
private func marked(_ flags: [Bool]) -> [Int] { flags.indices.filter { flags[$0] } }

@Suite("StageGraph")
struct StageGraphTests {
    /// `clean` -> `left`, `right` -> `join`, declared in that order.
    let diamond = [
        stage("clean", reads: ["data/x.txt"], writes: ["results/clean.txt"]),
        stage("left", reads: ["results/clean.txt"], writes: ["results/left.txt"]),
        stage("right", reads: ["results/clean.txt", "data/y.txt"], writes: ["results/right.txt"]),
        stage("join", reads: ["results/left.txt", "results/right.txt"], writes: ["results/join.txt"]),
    ]

    @Test("dependencies, dependents and input producers of a diamond")
    func diamondEdges() throws {
        let g = try graph(diamond)
        #expect(g.count == 4)
        #expect(g.dependencies == [[], [0], [0], [1, 2]])
        #expect(g.dependents == [[1, 2], [3], [3], []])
        #expect(g.inputProducers == [[-1], [0], [0, -1], [1, 2]])
        #expect(g.order == [0, 1, 2, 3])
    }

    @Test("independent stages keep declaration order")
    func independentStagesKeepDeclarationOrder() throws {
        let g = try graph([stage("c"), stage("a"), stage("b")])
        #expect(g.order == [0, 1, 2])
    }

    @Test("a stage follows its producer even when declared first; ties go by declaration order")
    func orderFollowsDataThenDeclaration() throws {
        let g = try graph([
            stage("first"),
            stage("needsLast", reads: ["late.txt"]),
            stage("third"),
            stage("last", writes: ["late.txt"]),
        ])
        #expect(g.order == [0, 2, 3, 1])
    }

    @Test("a reverse-declared chain is ordered by data flow")
    func reverseChain() throws {
        let g = try graph([
            stage("z", reads: ["y.txt"], writes: ["z.txt"]),
            stage("y", reads: ["x.txt"], writes: ["y.txt"]),
            stage("x", writes: ["x.txt"]),
        ])
        #expect(g.order == [2, 1, 0])
        #expect(g.dependencies == [[1], [2], []])
    }

    @Test("reading two outputs of one stage gives one dependency")
    func dependenciesAreUnique() throws {
        let g = try graph([
            stage("a", writes: ["a1.txt", "a2.txt"]),
            stage("b", reads: ["a2.txt", "a1.txt"]),
        ])
        #expect(g.dependencies == [[], [0]])
        #expect(g.dependents == [[1], []])
        #expect(g.inputProducers[1] == [0, 0])
    }

    @Test("dependencies are sorted by id")
    func dependenciesSorted() throws {
        let g = try graph([
            stage("a", writes: ["a.txt"]),
            stage("b", writes: ["b.txt"]),
            stage("c", writes: ["c.txt"]),
            stage("d", reads: ["c.txt", "a.txt", "b.txt"]),
        ])
        #expect(g.dependencies[3] == [0, 1, 2])
    }

    @Test("a stage reading its own output does not depend on itself")
    func readingOwnOutput() throws {
        let g = try graph([stage("a", reads: ["a.txt"], writes: ["a.txt"])])
        #expect(g.dependencies == [[]])
        #expect(g.inputProducers == [[-1]])
    }

    @Test("reads inside a directory output are produced by the directory's stage")
    func directoryOutputProducer() throws {
        let g = try graph([
            stage("split", writes: ["results/parts/"]),
            stage("one", reads: ["results/parts/part-1.txt"]),
            stage("deep", reads: ["results/parts/sub/x.txt"]),
            stage("whole", reads: ["results/parts/"]),
            stage("near", reads: ["results/partsx/y.txt", "results/x.txt"]),
        ])
        #expect(g.inputProducers == [[], [0], [0], [0], [-1, -1]])
        #expect(g.dependents[0] == [1, 2, 3])
        #expect(g.dependencies[4] == [])
    }

    @Test("the nearest enclosing directory output wins")
    func nearestDirectoryOutputWins() throws {
        let g = try graph([
            stage("outer", writes: ["results/"]),
            stage("inner", writes: ["results/inner/"]),
            stage("reader", reads: ["results/inner/x.txt", "results/other.txt"]),
        ])
        #expect(g.inputProducers[2] == [1, 0])
    }

    @Test("a file the command names and another stage writes makes an edge")
    func commandWordEdge() throws {
        let g = try graph([
            stage("gen", writes: ["scripts/fit.R"]),
            stage("fit", run: "Rscript scripts/fit.R"),
        ])
        #expect(g.dependencies == [[], [0]])
        #expect(g.inputProducers == [[], []])
    }

    @Test("upstream closure and downstream cone")
    func selections() throws {
        let g = try graph(diamond + [stage("other", writes: ["o.txt"])])
        #expect(marked(g.upstreamClosure(of: [3])) == [0, 1, 2, 3])
        #expect(marked(g.upstreamClosure(of: [1])) == [0, 1])
        #expect(marked(g.upstreamClosure(of: [4])) == [4])
        #expect(marked(g.upstreamClosure(of: [])) == [])
        #expect(marked(g.downstreamCone(of: [0])) == [0, 1, 2, 3])
        #expect(marked(g.downstreamCone(of: [2])) == [2, 3])
        #expect(marked(g.downstreamCone(of: [2, 4])) == [2, 3, 4])
    }

    @Test("a cycle is returned in data-flow order from its first-declared stage")
    func cycle() throws {
        let workflow = Workflow(file: "w.yaml", name: "t", stages: [
            stage("free", writes: ["f.txt"]),
            stage("c", reads: ["b.txt"], writes: ["c.txt"]),
            stage("a", reads: ["c.txt", "f.txt"], writes: ["a.txt"]),
            stage("b", reads: ["a.txt"], writes: ["b.txt"]),
            stage("after", reads: ["c.txt"]),
        ])
        guard case .failure(let cycle) = StageGraph.build(workflow) else {
            Issue.record("expected a cycle")
            return
        }
        #expect(cycle.stages == [1, 2, 3])
        #expect(cycle.message(in: workflow) == "dependency cycle: c -> a -> b -> c")
    }

    @Test("a two-stage cycle")
    func twoStageCycle() throws {
        let workflow = Workflow(file: "w.yaml", name: "t", stages: [
            stage("a", reads: ["b.txt"], writes: ["a.txt"]),
            stage("b", reads: ["a.txt"], writes: ["b.txt"]),
        ])
        guard case .failure(let cycle) = StageGraph.build(workflow) else {
            Issue.record("expected a cycle")
            return
        }
        #expect(cycle.stages == [0, 1])
    }

    @Test("a 100,000-stage chain builds and orders without deep recursion")
    func longChain() throws {
        let n = 100_000
        // Declared in reverse, so every stage waits for the one after it in the array.
        var stages: [Stage] = []
        stages.reserveCapacity(n)
        for i in 0..<n {
            stages.append(Stage(id: "s\(i)", action: .shell(CommandTemplate("")),
                                inputs: i == n - 1 ? [] : [Artifact(path: "out/s\(i + 1)")],
                                outputs: [Artifact(path: "out/s\(i)")]))
        }
        let g = try graph(stages)
        #expect(g.order.count == n)
        #expect(g.order.first == Int32(n - 1))
        #expect(g.order.last == 0)
        #expect(g.order == (0..<Int32(n)).reversed())
        #expect(marked(g.upstreamClosure(of: [0])).count == n)
        #expect(marked(g.downstreamCone(of: [n - 1])).count == n)
        #expect(marked(g.downstreamCone(of: [1])) == [0, 1])
    }

    @Test("a cycle deep inside a 100,000-stage chain is found")
    func cycleInLargeGraph() throws {
        let n = 100_000
        var stages: [Stage] = []
        stages.reserveCapacity(n)
        for i in 0..<n {
            var inputs = i == 0 ? [] : [Artifact(path: "out/s\(i - 1)")]
            if i == 50_000 { inputs.append(Artifact(path: "out/s50002")) }
            stages.append(Stage(id: "s\(i)", action: .shell(CommandTemplate("")), inputs: inputs,
                                outputs: [Artifact(path: "out/s\(i)")]))
        }
        let workflow = Workflow(file: "w.yaml", name: "t", stages: stages)
        guard case .failure(let cycle) = StageGraph.build(workflow) else {
            Issue.record("expected a cycle")
            return
        }
        #expect(cycle.stages == [50_000, 50_001, 50_002])
        #expect(cycle.message(in: workflow) == "dependency cycle: s50000 -> s50001 -> s50002 -> s50000")
    }

    @Test("a min-heap pops in ascending order")
    func minHeap() {
        var heap = MinHeap()
        for x: Int32 in [5, 3, 9, 1, 7, 3, 0] { heap.push(x) }
        var popped: [Int32] = []
        while let x = heap.pop() { popped.append(x) }
        #expect(popped == [0, 1, 3, 3, 5, 7, 9])
        #expect(heap.pop() == nil)
    }
}
