import Foundation
import XCTest
import SPOPipelineSpec

/// Endpoint assignment (docs/pipeline-spec.md, "Placement and endpoints"), with the expected strings
/// written out by hand from the rules.
final class EndpointTests: XCTestCase {
    func testOneHostUsesIPCUnderTheRunDirectory() throws {
        let spec = try TestSpecs.resolve(TestSpecs.minimal("spo-chain").setting("stages.generate.replicas", to: 3))
        XCTAssertEqual(spec.hosts, ["local": HostSettings(address: "127.0.0.1")])
        XCTAssertEqual(spec.driver.host, "local")
        XCTAssertEqual(spec.weightsTransport, .checkpointFile)
        XCTAssertEqual(Set(spec.edges.keys), Set(PipelineEdge.allCases))
        for edge in PipelineEdge.allCases {
            let resolved = spec.edge(edge)
            let path = "ipc://runs/t/sockets/\(edge.rawValue)"
            XCTAssertEqual(resolved.transport, .ipc, edge.rawValue)
            XCTAssertEqual(resolved.endpoints, [EdgeEndpoint(replica: 0, host: "local", bind: path, connect: path)], edge.rawValue)
        }
        // Three generate replicas connect; they bind nothing, so nothing changes.
        XCTAssertEqual(spec.settings(for: .generate).replicas, 3)
    }

    func testEdgeTable() throws {
        let spec = try TestSpecs.resolve(TestSpecs.minimal("grpo"))
        let table = PipelineEdge.allCases.map { edge -> String in
            let resolved = spec.edge(edge)
            return "\(edge.rawValue) \(resolved.pattern.rawValue) \(resolved.producers) -> \(resolved.consumers) by \(resolved.binder)"
        }
        XCTAssertEqual(table, [
            "prompts push_pull [driver] -> [generate] by driver",
            "rollouts push_pull [generate] -> [partition] by partition",
            "segmented push_pull [partition] -> [value] by partition",
            "valued push_pull [value] -> [advantage] by advantage",
            "samples push_pull [advantage] -> [optimize] by optimize",
            "weights pub_sub [optimize] -> [generate, value] by optimize",
            "control pub_sub [driver] -> [generate, partition, value, advantage, optimize] by driver",
            "metrics push_pull [generate, partition, value, advantage, optimize] -> [driver] by driver",
        ])
    }

    func testReplicatedBinderBindsOneEndpointPerReplica() throws {
        let spec = try TestSpecs.resolve(TestSpecs.minimal("spo-chain").setting("stages.partition.replicas", to: 2))
        XCTAssertEqual(spec.edge(.rollouts).endpoints.map(\.bind), [
            "ipc://runs/t/sockets/rollouts.0", "ipc://runs/t/sockets/rollouts.1",
        ])
        XCTAssertEqual(spec.edge(.segmented).endpoints.map(\.replica), [0, 1])
        XCTAssertEqual(spec.edge(.valued).endpoints.map(\.bind), ["ipc://runs/t/sockets/valued"])
    }

    /// Generation and values on a GPU machine, the rest on a CPU machine.
    static let twoHostSpec = TestSpecs.minimal("spo-chain").setting([
        ("hosts", ["cpu1": ["address": "10.0.0.1"], "gpu1": ["address": "10.0.0.2"]]),
        ("stages.generate.host", "gpu1"), ("stages.value.host", "gpu1"),
        ("stages.partition.host", "cpu1"), ("stages.advantage.host", "cpu1"), ("stages.optimize.host", "cpu1"),
    ])

    func testTwoHostsUseTCPBetweenThemAndIPCWithinOne() throws {
        let spec = try TestSpecs.resolve(Self.twoHostSpec)
        XCTAssertEqual(spec.driver.host, "cpu1")  // the optimize stage's host
        XCTAssertEqual(spec.weightsTransport, .stream)
        XCTAssertEqual(Set(spec.hosts.keys), ["cpu1", "gpu1"])
        // Every edge but samples (advantage → optimize, both on cpu1) crosses hosts; every
        // binder is on cpu1 (10.0.0.1); ports count up from 5550 in edge order.
        func tcp(_ port: Int) -> [EdgeEndpoint] {
            [EdgeEndpoint(replica: 0, host: "cpu1", bind: "tcp://*:\(port)", connect: "tcp://10.0.0.1:\(port)")]
        }
        XCTAssertEqual(spec.edge(.prompts).endpoints, tcp(5550))
        XCTAssertEqual(spec.edge(.rollouts).endpoints, tcp(5551))
        XCTAssertEqual(spec.edge(.segmented).endpoints, tcp(5552))
        XCTAssertEqual(spec.edge(.valued).endpoints, tcp(5553))
        XCTAssertEqual(spec.edge(.samples).endpoints, [
            EdgeEndpoint(replica: 0, host: "cpu1", bind: "ipc://runs/t/sockets/samples", connect: "ipc://runs/t/sockets/samples"),
        ])
        XCTAssertEqual(spec.edge(.samples).transport, .ipc)
        XCTAssertEqual(spec.edge(.weights).endpoints, tcp(5554))
        XCTAssertEqual(spec.edge(.control).endpoints, tcp(5555))
        XCTAssertEqual(spec.edge(.metrics).endpoints, tcp(5556))
        XCTAssertEqual(spec.edge(.metrics).transport, .tcp)
    }

    /// Two host names with loopback addresses are one machine (a multi-host spec tried
    /// out there): allowed, and the edges between them are tcp on 127.0.0.1. A loopback
    /// address beside a real one stays an error (BrokenSpecTests).
    func testHostsThatAreAllLoopbackShareOneMachine() throws {
        let spec = try TestSpecs.resolve(TestSpecs.minimal("grpo").setting([
            ("hosts", ["a": ["address": "127.0.0.1"], "b": ["address": "127.0.0.1"]]),
            ("stages.generate.host", "b"), ("stages.partition.host", "b"), ("stages.value.host", "a"),
            ("stages.advantage.host", "a"), ("stages.optimize.host", "a"), ("base_port", 7100),
        ]))
        XCTAssertEqual(spec.driver.host, "a")
        XCTAssertEqual(spec.weightsTransport, .stream)
        // prompts (driver a → generate b) 7100; rollouts (generate b → partition b) ipc;
        // segmented (partition b → value a) 7101; valued and samples within a: ipc;
        // weights (optimize a → generate b) 7102; control 7103; metrics 7104.
        XCTAssertEqual(spec.edge(.prompts).endpoints, [
            EdgeEndpoint(replica: 0, host: "a", bind: "tcp://*:7100", connect: "tcp://127.0.0.1:7100"),
        ])
        XCTAssertEqual(spec.edge(.rollouts).endpoints.map(\.bind), ["ipc://runs/t/sockets/rollouts"])
        XCTAssertEqual(spec.edge(.segmented).endpoints.map(\.connect), ["tcp://127.0.0.1:7101"])
        XCTAssertEqual(spec.edge(.segmented).endpoints.map(\.host), ["b"])
        XCTAssertEqual(spec.edge(.samples).transport, .ipc)
        XCTAssertEqual(spec.edge(.weights).endpoints.map(\.connect), ["tcp://127.0.0.1:7102"])
        XCTAssertEqual(spec.edge(.control).endpoints.map(\.bind), ["tcp://*:7103"])
        XCTAssertEqual(spec.edge(.metrics).endpoints.map(\.connect), ["tcp://127.0.0.1:7104"])
    }

    func testTwoHostsWithReplicasAndABasePort() throws {
        let spec = try TestSpecs.resolve(
            Self.twoHostSpec.setting([("base_port", 6000), ("stages.partition.replicas", 2), ("stages.value.replicas", 3)]))
        // prompts 6000; rollouts 6001, 6002; segmented 6003, 6004; valued 6005; samples ipc;
        // weights 6006; control 6007; metrics 6008.
        XCTAssertEqual(spec.edge(.rollouts).endpoints.map(\.connect), ["tcp://10.0.0.1:6001", "tcp://10.0.0.1:6002"])
        XCTAssertEqual(spec.edge(.segmented).endpoints.map(\.bind), ["tcp://*:6003", "tcp://*:6004"])
        XCTAssertEqual(spec.edge(.valued).endpoints.map(\.connect), ["tcp://10.0.0.1:6005"])
        XCTAssertEqual(spec.edge(.metrics).endpoints.map(\.connect), ["tcp://10.0.0.1:6008"])
    }

    func testBinderOnTheSecondHostAdvertisesItsAddress() throws {
        // Move the driver to the GPU machine: prompts, control and metrics bind there.
        let spec = try TestSpecs.resolve(Self.twoHostSpec.setting("driver.host", to: "gpu1"))
        XCTAssertEqual(spec.edge(.prompts).endpoints, [
            EdgeEndpoint(replica: 0, host: "gpu1", bind: "ipc://runs/t/sockets/prompts", connect: "ipc://runs/t/sockets/prompts"),
        ])
        XCTAssertEqual(spec.edge(.rollouts).endpoints.map(\.connect), ["tcp://10.0.0.1:5550"])
        XCTAssertEqual(spec.edge(.control).endpoints.map(\.connect), ["tcp://10.0.0.2:5554"])
        XCTAssertEqual(spec.edge(.metrics).endpoints.map(\.host), ["gpu1"])
    }

    func testOverriddenEndpoints() throws {
        let spec = try TestSpecs.resolve(TestSpecs.minimal("spo-chain").setting([
            ("stages.optimize.endpoints.samples", "tcp://10.0.0.1:7000"),
            ("stages.partition.replicas", 2),
            ("stages.partition.endpoints.rollouts", ["ipc:///tmp/r0", "ipc:///tmp/r1"]),
            ("driver.endpoints.metrics", "tcp://[fd00::1]:7001"),
        ]))
        XCTAssertEqual(spec.edge(.samples).endpoints, [
            EdgeEndpoint(replica: 0, host: "local", bind: "tcp://*:7000", connect: "tcp://10.0.0.1:7000"),
        ])
        XCTAssertEqual(spec.edge(.samples).transport, .tcp)
        XCTAssertEqual(spec.edge(.rollouts).endpoints.map(\.bind), ["ipc:///tmp/r0", "ipc:///tmp/r1"])
        XCTAssertEqual(spec.edge(.metrics).endpoints.map(\.connect), ["tcp://[fd00::1]:7001"])
        XCTAssertEqual(spec.edge(.weights).endpoints.map(\.bind), ["ipc://runs/t/sockets/weights"])
    }

    func testEveryProcessHasAnIPCTapOnOneHost() throws {
        let spec = try TestSpecs.resolve(TestSpecs.minimal("grpo").setting("stages.generate.replicas", to: 2))
        func tap(_ participant: EdgeParticipant, _ replica: Int, _ name: String) -> TapEndpoint {
            let path = "ipc://runs/t/sockets/tap.\(name)"
            return TapEndpoint(participant: participant, replica: replica, host: "local", bind: path, connect: path)
        }
        XCTAssertEqual(spec.taps, [
            tap(.driver, 0, "driver"), tap(.stage(.generate), 0, "generate.0"), tap(.stage(.generate), 1, "generate.1"),
            tap(.stage(.partition), 0, "partition.0"), tap(.stage(.value), 0, "value.0"),
            tap(.stage(.advantage), 0, "advantage.0"), tap(.stage(.optimize), 0, "optimize.0"),
        ])
        // The edges keep the endpoints they had without taps.
        XCTAssertEqual(spec.edge(.rollouts).endpoints.map(\.bind), ["ipc://runs/t/sockets/rollouts"])
    }

    func testTapsOfAnEdgeAndTheirTopics() throws {
        let spec = try TestSpecs.resolve(TestSpecs.minimal("grpo").setting("stages.generate.replicas", to: 2))
        XCTAssertEqual(spec.taps(carrying: .rollouts, side: .received).map(\.process), ["partition.0"])
        XCTAssertEqual(spec.taps(carrying: .rollouts, side: .sent).map(\.process), ["generate.0", "generate.1"])
        XCTAssertEqual(spec.taps(carrying: .control, side: .sent).map(\.process), ["driver"])
        XCTAssertEqual(spec.taps(carrying: .metrics, side: .received).map(\.process), ["driver"])
        XCTAssertEqual(
            spec.taps(carrying: .control, side: .received).map(\.process),
            ["generate.0", "generate.1", "partition.0", "value.0", "advantage.0", "optimize.0"])
        XCTAssertEqual(PipelineEdge.allCases.map(\.defaultTapSide), [
            .received, .received, .received, .received, .received, .sent, .sent, .received,
        ])
        XCTAssertEqual(TapEndpoint.topic(edge: .samples, side: .received, process: "optimize.0"), "samples/received/optimize.0")
        XCTAssertEqual(TapEndpoint.tapPrefix(edge: .weights, side: .sent), "weights/sent/")
    }

    func testTwoHostsPutTapsOnTCPPortsAfterTheEdges() throws {
        let spec = try TestSpecs.resolve(Self.twoHostSpec)
        // Edges take 5550–5556 (samples is ipc); the taps follow: the driver (cpu1), then
        // generate (gpu1), partition (cpu1), value (gpu1), advantage and optimize (cpu1).
        XCTAssertEqual(spec.taps.map { "\($0.process) \($0.bind) \($0.connect)" }, [
            "driver tcp://*:5557 tcp://10.0.0.1:5557",
            "generate.0 tcp://*:5558 tcp://10.0.0.2:5558",
            "partition.0 tcp://*:5559 tcp://10.0.0.1:5559",
            "value.0 tcp://*:5560 tcp://10.0.0.2:5560",
            "advantage.0 tcp://*:5561 tcp://10.0.0.1:5561",
            "optimize.0 tcp://*:5562 tcp://10.0.0.1:5562",
        ])
        XCTAssertEqual(spec.edge(.metrics).endpoints.map(\.bind), ["tcp://*:5556"])
    }

    func testOverriddenTapEndpoints() throws {
        let spec = try TestSpecs.resolve(TestSpecs.minimal("grpo").setting([
            ("stages.generate.replicas", 2),
            ("stages.generate.endpoints.tap", ["tcp://10.0.0.2:7100", "tcp://10.0.0.2:7101"]),
            ("driver.endpoints.tap", "ipc:///tmp/driver-tap"),
        ]))
        XCTAssertEqual(spec.tap(of: .stage(.generate), replica: 1),
                       TapEndpoint(participant: .stage(.generate), replica: 1, host: "local",
                                   bind: "tcp://*:7101", connect: "tcp://10.0.0.2:7101"))
        XCTAssertEqual(spec.tap(of: .driver, replica: 0)?.bind, "ipc:///tmp/driver-tap")
        XCTAssertEqual(spec.tap(of: .stage(.partition), replica: 0)?.bind, "ipc://runs/t/sockets/tap.partition.0")
    }
}
