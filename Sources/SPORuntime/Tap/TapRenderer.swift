import Foundation
import SPOPipelineSpec
import SPOWire

/// How `spo tap` writes one tapped message: a JSON object on one line,
///
///     {"edge": "rollouts", "side": "received", "process": "partition.0", "bytes": 812,
///      "type": "rollout", "message": {"protocol": "spo", "version": 1, …, "body": {…}}}
///
/// `message` is the whole payload map, keys in the order they travelled. A numeric array
/// (docs/protocol.md section 6) is summarised as
/// `{"dtype": "f32", "shape": [R], "first": [up to 8 values], "min": …, "max": …, "mean": …}`
/// (min, max and mean null when it is empty, `"NaN"` when it holds a NaN), or with `full`
/// written out as `{"dtype", "shape", "values": [all]}`; other binary data as `{"binary_bytes": n}`
/// (with `full`, plus `"base64"`). A payload that is not valid MessagePack gets
/// `"message": null` and an `"error"`; one that decodes but breaks the protocol keeps its
/// `message` and gets the `"error"` the Swift receiver would drop it with
/// (`invalid_field: …`).
public struct TapRenderer: Sendable {
    /// Write numeric arrays and binary data out in full.
    public var full: Bool
    /// Values shown in a summary's `first`.
    public var headCount = 8

    /// A renderer; `full` writes arrays out in full.
    public init(full: Bool = false) {
        self.full = full
    }

    /// The JSON line (without the newline) of a tap message with `topic` and `payload`.
    public func line(topic: String, payload: Data) -> String {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var members: [(String, String)] = []
        if parts.count == 3 {
            members += [("edge", JSONText.string(parts[0])), ("side", JSONText.string(parts[1])),
                        ("process", JSONText.string(parts[2]))]
        } else {
            members.append(("topic", JSONText.string(topic)))
        }
        members.append(("bytes", "\(payload.count)"))
        let value: MessagePackValue
        do {
            value = try MessagePackDecoder.decode(payload)
        } catch {
            return JSONText.object(members + [("type", "null"), ("error", JSONText.string(error.description)), ("message", "null")])
        }
        let typeID = value.mapValue?["type"]?.intValue
        members.append(("type", typeID.map { MessageType(rawValue: $0).map { JSONText.string($0.name) } ?? "\($0)" } ?? "null"))
        do {
            _ = try MessageCodec.message(from: value)
        } catch {
            members.append(("error", JSONText.string(error.description)))
        }
        members.append(("message", render(value)))
        return JSONText.object(members)
    }

    /// Any MessagePack value as JSON, numeric arrays summarised.
    func render(_ value: MessagePackValue) -> String {
        switch value {
        case .nil: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return "\(number)"
        case .uint(let number): return "\(number)"
        case .float(let number): return JSONText.number(number)
        case .string(let text): return JSONText.string(text)
        case .binary(let data): return binary(data)
        case .array(let elements): return JSONText.array(elements.map(render))
        case .ext(let type, let data):
            return JSONText.object([("ext_type", "\(type)"), ("binary_bytes", "\(data.count)")])
        case .map(let map):
            if map.count == 3, let array = try? NumericArray(messagePack: value) { return numeric(array) }
            return JSONText.object(map.entries.map { ($0.key, render($0.value)) })
        }
    }

    private func binary(_ data: Data) -> String {
        var members = [("binary_bytes", "\(data.count)")]
        if full { members.append(("base64", JSONText.string(data.base64EncodedString()))) }
        return JSONText.object(members)
    }

    /// A numeric array's summary, or all its values with `full`.
    func numeric(_ array: NumericArray) -> String {
        let shape = JSONText.array(array.shape.map { "\($0)" })
        let rendered: [String], numbers: [Double]
        switch array.dtype {
        case .f32:
            let values = array.floatValues
            rendered = values.map(JSONText.number)
            numbers = values.map(Double.init)
        case .i32:
            let values = array.int32Values
            rendered = values.map { "\($0)" }
            numbers = values.map(Double.init)
        case .i64:
            let values = array.int64Values
            rendered = values.map { "\($0)" }
            numbers = values.map(Double.init)
        case .u8:
            let values = array.uint8Values
            rendered = values.map { "\($0)" }
            numbers = values.map(Double.init)
        }
        var members = [("dtype", JSONText.string(array.dtype.rawValue)), ("shape", shape)]
        if full {
            members.append(("values", JSONText.array(rendered)))
            return JSONText.object(members)
        }
        members.append(("first", JSONText.array(Array(rendered.prefix(headCount)))))
        guard !numbers.isEmpty else {
            return JSONText.object(members + [("min", "null"), ("max", "null"), ("mean", "null")])
        }
        if numbers.contains(where: \.isNaN) {
            return JSONText.object(members + [("min", "\"NaN\""), ("max", "\"NaN\""), ("mean", "\"NaN\"")])
        }
        // The extremes are shown as the elements themselves (an integer stays an integer).
        let low = numbers.indices.min { numbers[$0] < numbers[$1] }!
        let high = numbers.indices.max { numbers[$0] < numbers[$1] }!
        let mean = numbers.reduce(0, +) / Double(numbers.count)
        return JSONText.object(members + [("min", rendered[low]), ("max", rendered[high]), ("mean", JSONText.number(mean))])
    }
}
