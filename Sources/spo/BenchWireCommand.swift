import ArgumentParser
import Foundation
import SPOWire

/// `spo bench wire`: one stage hop through the typed codec beside raw libzmq, same run.
struct BenchWire: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wire",
        abstract: "Messages/s and MB/s through one PUSH→PULL hop, typed codec vs raw libzmq, over ipc and tcp.",
        discussion: """
            For each transport and size (100 B, 10 KB, 4 MB), runs raw libzmq and the typed codec \
            (a rollout message encoded on every send, decoded and validated on every receive) \
            alternately --repeats times and prints the medians and their ratio. Target: codec ≥ 80% \
            of raw at 4 MB.
            """)

    @Option(help: "Alternating raw/codec repetitions per cell (the median is reported).") var repeats = 5

    func run() throws {
        let cells: [(size: Int, label: String, count: Int)] = [(100, "100 B", 200_000), (10_000, "10 KB", 20_000), (4_000_000, "4 MB", 300)]
        print("transport  size      raw msg/s   raw MB/s   codec msg/s  codec MB/s  codec/raw")
        for transport in WireTransport.allCases {
            for cell in cells {
                var raw: [WireBenchmarkResult] = [], codec: [WireBenchmarkResult] = []
                for _ in 0..<max(1, repeats) {
                    raw.append(try WireBenchmark.run(transport: transport, messageSize: cell.size, count: cell.count, mode: .raw))
                    codec.append(try WireBenchmark.run(transport: transport, messageSize: cell.size, count: cell.count, mode: .codec))
                }
                func median(_ results: [WireBenchmarkResult]) -> WireBenchmarkResult {
                    results.sorted { $0.messagesPerSecond < $1.messagesPerSecond }[results.count / 2]
                }
                let r = median(raw), c = median(codec)
                let label = transport.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
                    + cell.label.padding(toLength: 8, withPad: " ", startingAt: 0)
                print(label + String(format: "%11.0f %10.1f %13.0f %11.1f %10.2f",
                                     r.messagesPerSecond, r.megabytesPerSecond, c.messagesPerSecond, c.megabytesPerSecond,
                                     c.messagesPerSecond / r.messagesPerSecond))
            }
        }
    }
}
