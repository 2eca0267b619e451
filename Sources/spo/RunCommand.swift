import ArgumentParser
import Foundation
import SPOPipelineSpec
import SPORuntime

/// `spo run SPEC`: trains with a pipeline of stage processes.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a pipeline spec: start every stage as a process and train, ending in a results table.",
        discussion: """
            Resolves SPEC (docs/pipeline-spec.md), writes it to <run_directory>/resolved-spec.json, starts \
            spo-generate, spo-partition, spo-value, spo-advantage and spo-optimize (found next to this \
            executable) with their replicas, and drives the iterations: prompts out, weights versioned in \
            <run_directory>/weights, one line per iteration in <run_directory>/metrics.jsonl, stage logs \
            merged on standard error (prefixed) and kept in <run_directory>/logs. A stage that dies is \
            restarted up to its max_restarts and its unacknowledged work is re-sent. Ctrl-C (SIGINT) or \
            SIGTERM stops every stage cleanly. Exits non-zero on failure or interruption.

            A spec that places stages on several hosts is started on each host with --host NAME: on the \
            driver's host (driver.host) that runs the driver and the stages placed there; on any other host \
            a supervisor that starts, restarts and stops the stages placed there (files under \
            <run_directory>/hosts/NAME) until the driver stops the run or falls silent.
            """)

    @Argument(help: "Pipeline spec JSON file (not with --resume).") var spec: String?
    @Option(help: "Continue the run in this run directory from its newest saved weights version, with its resolved spec.")
    var resume: String?
    @Flag(name: .customLong("print-resolved"), help: "Print the spec with every default filled in and exit.")
    var printResolved = false
    @Flag(help: "Replace an earlier run in the run directory.") var overwrite = false
    @Flag(help: "Do not echo the stages' log lines (the driver's progress still shows; every line is in <run_directory>/logs).")
    var quiet = false
    @Option(name: .customLong("stage-directory"), help: "Directory of the spo-<stage> executables (default: this executable's).")
    var stageDirectory: String?
    @Option(help: "Run only this host's part of a multi-host spec (a key of hosts): the driver on driver.host, a supervisor of its stages elsewhere.")
    var host: String?

    func validate() throws {
        guard (spec == nil) != (resume == nil) else {
            throw ValidationError("give a SPEC to start a run, or --resume RUN_DIRECTORY to continue one (not both)")
        }
    }

    func run() throws {
        let resolved: ResolvedPipelineSpec
        do {
            if let resume {
                let run = URL(fileURLWithPath: resume)
                // Another host than the driver's keeps its copy under hosts/NAME.
                let candidates = [run.appendingPathComponent("resolved-spec.json")]
                    + (host.map { [run.appendingPathComponent("hosts/\($0)/resolved-spec.json")] } ?? [])
                guard let data = candidates.lazy.compactMap({ try? Data(contentsOf: $0) }).first else {
                    throw ValidationError("--resume \(resume): no \(candidates.map(\.path).joined(separator: " or ")); is it a run directory?")
                }
                resolved = try ResolvedPipelineSpec(canonicalJSON: data)
            } else {
                resolved = try PipelineSpec.resolve(contentsOf: URL(fileURLWithPath: spec!))
            }
        } catch let error as PipelineSpecError {
            error.issues.forEach { print($0) }
            throw ExitCode(1)
        }
        if printResolved {
            print(String(decoding: try resolved.canonicalJSON(), as: UTF8.self), terminator: "")
            return
        }
        var options = DriverOptions(
            stageDirectory: stageDirectory.map { URL(fileURLWithPath: $0) } ?? DriverOptions.executableDirectory)
        options.overwrite = overwrite
        options.resume = resume != nil
        options.echoStageLogs = !quiet
        options.host = host
        if let host {
            let hosts = PipelineDriver.hostsInUse(resolved)
            guard hosts.contains(host) else {
                throw ValidationError("--host \(host): spec \(resolved.name) places its processes on hosts \(hosts.joined(separator: ", "))")
            }
            if host != resolved.driver.host {
                let supervisor = HostSupervisor(spec: resolved, host: host, options: options)
                switch try supervisor.run() {
                case .stopped(let reason):
                    print("host \(host): stopped by the driver (\(reason))")
                    return
                case .interrupted(let signal):
                    throw ExitCode(128 + signal)
                }
            }
        }
        let driver = PipelineDriver(spec: resolved, options: options)
        let result = try driver.run()
        print(result.table)
        print("metrics: \(driver.metricsURL.relativePath)")
        if let signal = result.interruptedBy { throw ExitCode(128 + signal) }
    }
}
