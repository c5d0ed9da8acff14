/// Named workflow texts for tests: small graphs with known shapes.
public enum WorkflowFixtures {
    /// `a -> b -> c -> … ` of `n` stages; stage 0 reads `data/in.txt`.
    public static func chain(_ n: Int) -> String {
        var yaml = "name: chain\nstages:\n"
        for i in 0..<n {
            let input = i == 0 ? "data/in.txt" : "out/s\(i - 1).txt"
            yaml += "  s\(i):\n    run: cat ${inputs} > ${outputs.out}\n    inputs: [\(input)]\n    outputs: {out: out/s\(i).txt}\n"
        }
        return yaml
    }

    /// Sources `data/x.txt` and `data/y.txt`; `clean` reads x, `left` and `right` read clean's output
    /// (right also y), `join` reads both. Params and env on `left`.
    public static let diamond = """
    name: diamond
    params: {scale: 2}
    stages:
      clean:
        run: python3 scripts/clean.py ${inputs.raw} > ${outputs.table}
        inputs: {raw: data/x.txt}
        outputs: {table: results/clean.txt}
      left:
        run: "cat ${inputs.table} > ${outputs.out} # scale ${params.scale}"
        inputs: {table: results/clean.txt}
        outputs: {out: results/left.txt}
        params: {threshold: 0.5}
        env: [STUDY_MODE]
      right:
        run: cat ${inputs} > ${outputs.out}
        inputs: {table: results/clean.txt, extra: data/y.txt}
        outputs: {out: results/right.txt}
      join:
        run: cat ${inputs} > ${outputs.out}
        inputs: [results/left.txt, results/right.txt]
        outputs: {out: results/join.txt}

    """

    /// Source files the diamond reads.
    /// One stage `split` writing the directory output `results/parts/` from `data/in.txt`
    /// (with `directoryOutputFiles`), for tests of what happens inside a directory output.
    public static let directoryOutput = """
        name: dir
        stages:
          split:
            run: split ${inputs} ${outputs}
            inputs: [data/in.txt]
            outputs: [results/parts/]
        """

    /// The source file `directoryOutput` reads.
    public static let directoryOutputFiles = ["data/in.txt": "a\n"]

    public static let diamondFiles = ["data/x.txt": "x1\n", "data/y.txt": "y1\n", "scripts/clean.py": "print('clean')\n"]
}
