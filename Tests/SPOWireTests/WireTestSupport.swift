import Foundation
import XCTest
@testable import SPOWire

/// A fresh directory for ipc endpoints, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init(_ name: String) throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// "ipc://<dir>/<name>".
    func endpoint(_ name: String) -> String { "ipc://\(url.path)/\(name)" }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Collects log lines (tests run the receiver on one thread).
final class LogLines {
    var lines: [String] = []
    func append(_ line: String) { lines.append(line) }
}

/// Messages of every type, with small hand-picked values.
enum SampleMessages {
    static func envelope(_ id: String = "generate.0.ab.1", parents: [String] = []) throws -> Envelope {
        try Envelope(
            runID: "run-1", messageID: id, parentIDs: parents, stage: "generate", replica: 1,
            iteration: 7, policyVersion: 3, createdAt: 1_700_000_000.25)
    }

    static func rollout() throws -> Rollout {
        try Rollout(
            promptID: "gsm8k/12", groupID: "gsm8k/12@7", sampleIndex: 2, promptTokens: [5, 6, 7],
            responseTokens: [10, 11, 12, 13], logProbs: [-0.5, -1.25, -0.125, -2], reward: 1,
            stopReason: .eos, temperature: 0.7)
    }

    static func segmented() throws -> SegmentedRollout {
        try SegmentedRollout(rollout: rollout(), boundaries: [0, 1, 4], tokenMask: [1, 1, 0, 1])
    }

    static func bodies() throws -> [MessageBody] {
        let prompts = try PromptBatch(prompts: [
            Prompt(promptID: "p0", tokens: NumericArray([Int32(1), 2, 3]), text: "1+2=", answer: "3"),
            Prompt(promptID: "p1", tokens: NumericArray([Int32(4)])),
        ], samplesPerPrompt: 4)
        let valued = try ValuedRollout(
            segmented: segmented(), boundaryValues: [0.5, 0.75, 1], rolloutCounts: [4, 4, 0], tokensSpent: 96)
        let sample = try TrainingSample(
            tokens: [5, 6, 10, 11], promptLength: 2, lossMask: [0, 0, 1, 1], advantages: [0, 0, 0.5, -0.5],
            oldLogProbs: [0, 0, -0.5, -1.25], referenceLogProbs: [0, 0, -0.75, -1])
        let sampleWithoutReference = try TrainingSample(
            tokens: [5, 10], promptLength: 1, lossMask: [0, 1], advantages: [0, 1], oldLogProbs: [0, -0.25])
        return [
            .promptBatch(prompts),
            .rollout(try rollout()),
            .segmentedRollout(try segmented()),
            .valuedRollout(valued),
            .trainingSample(sample),
            .trainingSample(sampleWithoutReference),
            .weightsAnnouncement(try WeightsAnnouncement(
                version: 4, format: "safetensors", source: .file(path: "/runs/r/ckpt-4.safetensors"),
                totalBytes: 1024, checksum: "crc32:0badf00d")),
            .weightsAnnouncement(try WeightsAnnouncement(
                version: 4, format: "safetensors", source: .chunks(count: 3), totalBytes: 10,
                checksum: "crc32:cbf43926")),
            .weightsChunk(try WeightsChunk(version: 4, index: 1, count: 3, offset: 4, data: Data([1, 2, 3, 4]))),
            .control(.start),
            .control(.stop(reason: "done")),
            .control(.stop(reason: nil)),
            .control(.iteration),
            .control(.heartbeat),
            .control(try .acknowledging(["a.0.x.1", "a.0.x.2"])),
            .metrics(Metrics(values: ["reward/mean": 0.5, "loss": -1.5])),
        ]
    }

    static func message(_ body: MessageBody, id: String = "generate.0.ab.1") throws -> Message {
        Message(envelope: try envelope(id, parents: ["prompts.0.cd.9"]), body: body)
    }

    /// The bytes of a valid message map with `key` replaced (nil removes it).
    static func encoded(_ message: Message, replacing key: String, with value: MessagePackValue?) -> Data {
        guard case .map(var map) = MessageCodec.messagePack(message) else { fatalError("messages are maps") }
        map[key] = value
        return MessagePackEncoder.encode(.map(map))
    }
}
