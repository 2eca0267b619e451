import ArgumentParser
import Foundation
import SPOPipelineSpec
import SPORuntime
import SPOWire

/// `spo tap TARGET EDGE`: watch the messages on one edge of a running pipeline.
struct Tap: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the messages on one edge of a running pipeline as JSON lines, without disturbing it.",
        discussion: """
            TARGET is the run directory (its resolved-spec.json) or the pipeline spec the run was started \
            with; from another machine, pass the spec (with tcp tap endpoints: a multi-host run, or \
            endpoints.tap in the spec). EDGE is prompts, rollouts, segmented, valued, samples, weights, \
            control or metrics. Every stage replica and the driver publish copies of what they send and \
            receive on their tap (docs/protocol.md section 13), and only while somebody listens; tapping a \
            work queue takes no message from it. By default a work queue is shown where it is consumed \
            (each message once per delivery) and a broadcast where it is published. Each line: edge, side, \
            process, bytes, type, and the whole message with numeric arrays summarised (dtype, shape, first \
            values, min, max, mean) unless --full.
            """)

    @Argument(help: "Run directory or pipeline spec.") var target: String
    @Argument(help: "Edge: \(PipelineEdge.allCases.map(\.rawValue).joined(separator: ", ")).") var edge: String
    @Option(help: "Side of the edge: sent (at its producers) or received (at its consumers).") var side: String?
    @Option(help: "Stop after this many messages.") var count: Int?
    @Option(help: "Write the JSON lines to this file instead of standard output.") var out: String?
    @Option(help: "Give up when this many seconds pass without a message.") var timeout: Double?
    @Flag(help: "Write numeric arrays and binary data out in full.") var full = false

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1, got \(count)") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
        if PipelineEdge(rawValue: edge) == nil {
            throw ValidationError("unknown edge \"\(edge)\"; edges: " + PipelineEdge.allCases.map(\.rawValue).joined(separator: ", "))
        }
        if let side, TapSide(rawValue: side) == nil { throw ValidationError("--side is sent or received, got \"\(side)\"") }
    }

    func run() throws {
        let spec = try TapListener.spec(at: target)
        let listener = try TapListener(
            spec: spec, edge: PipelineEdge(rawValue: edge)!, side: side.flatMap(TapSide.init(rawValue:)),
            context: try ZMQContext())
        let output: FileHandle
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: nil) else {
                throw RuntimeError("cannot create \(out)")
            }
            output = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        } else {
            output = FileHandle.standardOutput
        }
        let renderer = TapRenderer(full: full)
        let what = "edge \(edge) (\(listener.side.rawValue) side) from " + listener.taps.map(\.process).joined(separator: ", ")
        var received = 0
        var lastArrival = ContinuousClock.now
        while count.map({ received < $0 }) ?? true {
            guard let (topic, payload) = try listener.next(timeout: .seconds(1)) else {
                guard let timeout, ContinuousClock.now - lastArrival >= .seconds(timeout) else { continue }
                try finish(output, received: received, what: what)
                if received > 0, count == nil { return }
                var message = "spo tap: " + (received == 0 ? "no message" : "\(received) of \(count!) messages, then nothing")
                    + " within \(format(timeout)) s on \(what)"
                let silent = listener.silentIPCTaps
                message += silent.isEmpty
                    ? "; is the run at a point where this edge carries traffic?"
                    : "; nothing listens at \(silent.joined(separator: ", ")): is the run going?"
                FileHandle.standardError.write(Data((message + "\n").utf8))
                throw ExitCode(1)
            }
            lastArrival = .now
            received += 1
            output.write(Data((renderer.line(topic: topic, payload: payload) + "\n").utf8))
        }
        try finish(output, received: received, what: what)
    }

    private func finish(_ output: FileHandle, received: Int, what: String) throws {
        guard let out else { return }
        try output.close()
        FileHandle.standardError.write(Data("spo tap: \(received) message(s) on \(what) written to \(out)\n".utf8))
    }

    private func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
