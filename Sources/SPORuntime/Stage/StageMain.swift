import Foundation
import SPOModel
import SPOPipelineSpec
import SPOWire

/// The whole `main.swift` of a stage executable: `spo-<stage> --spec RESOLVED.json
/// --replica N`. Reads the resolved spec the driver wrote, sets the replica's OpenBLAS
/// thread count, runs the stage loop and exits 0 when the driver says stop, 1 with a
/// message on any error, 2 on bad arguments.
public enum StageMain {
    /// Parses the command line, builds the worker and runs the loop; never returns.
    public static func run(
        _ stage: PipelineStage, arguments: [String] = CommandLine.arguments,
        makeWorker: (StageRuntime) throws -> any StageWorker
    ) -> Never {
        let name = "spo-\(stage.rawValue)"
        let options: (spec: String, replica: Int)
        do {
            options = try parse(Array(arguments.dropFirst()))
        } catch {
            StageRuntime.log("\(name): \(error)\nusage: \(name) --spec RESOLVED_SPEC.json --replica N")
            exit(2)
        }
        if options.spec == "--help" {
            print("""
                usage: \(name) --spec RESOLVED_SPEC.json --replica N
                The \(stage.rawValue) stage of an SPO pipeline; `spo run SPEC` starts it with the resolved spec \
                it writes to the run directory.
                """)
            exit(0)
        }
        do {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: options.spec))
            } catch {
                throw RuntimeError("cannot read the resolved spec \(options.spec) (\(error.localizedDescription)); `spo run` writes it to the run directory")
            }
            let spec = try ResolvedPipelineSpec(canonicalJSON: data)
            let settings = spec.settings(for: stage)
            guard (0..<settings.replicas).contains(options.replica) else {
                throw RuntimeError("--replica \(options.replica): stage \(stage.rawValue) has replicas 0..<\(settings.replicas) in \(options.spec)")
            }
            BLAS.threadCount = settings.blasThreads
            let runtime = try StageRuntime(
                spec: spec, stage: stage, replica: options.replica, weightsFile: weightsFile(stage, spec))
            let worker = try makeWorker(runtime)
            try runtime.run(worker)
            exit(0)
        } catch {
            StageRuntime.log("\(name) replica \(options.replica) failed: \(error)")
            exit(1)
        }
    }

    /// The file of each weights version `stage` reads: the policy's for generate and for
    /// value kind monte_carlo, the critic's for value kind critic; nil for the others.
    static func weightsFile(_ stage: PipelineStage, _ spec: ResolvedPipelineSpec) -> String? {
        switch stage {
        case .generate: return WeightsAnnouncement.policyFile
        case .value where spec.value == .critic: return WeightsStore.criticFile
        case .value where spec.value.kind.needsPolicy: return WeightsAnnouncement.policyFile
        default: return nil
        }
    }

    /// `--spec PATH --replica N` (either order); `--help` alone gives ("--help", 0).
    static func parse(_ arguments: [String]) throws -> (spec: String, replica: Int) {
        if arguments == ["--help"] || arguments == ["-h"] { return ("--help", 0) }
        var spec: String?, replica: Int?
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw RuntimeError("\(flag) needs a value") }
            switch flag {
            case "--spec": spec = value
            case "--replica":
                guard let number = Int(value), number >= 0 else {
                    throw RuntimeError("--replica expects an integer >= 0, found \"\(value)\"")
                }
                replica = number
            default: throw RuntimeError("unknown option \(flag)")
            }
        }
        guard let spec else { throw RuntimeError("--spec is required") }
        return (spec, replica ?? 0)
    }
}

extension ValueKind {
    /// Whether estimating values needs the current policy (Monte Carlo rollouts, critic).
    var needsPolicy: Bool {
        switch self {
        case .monteCarlo, .critic: return true
        case .none, .tree: return false
        }
    }
}
