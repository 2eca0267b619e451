/// Named measurements (type 9, metrics).
///
/// Wire body: values (map of string → float; integers accepted). Written with keys
/// sorted, so the same metrics always encode to the same bytes.
public struct Metrics: Sendable, Equatable, WireBody {
    /// Metric name → value ("reward/mean": 0.42, ...).
    public let values: [String: Double]

    /// Metrics of `values`.
    public init(values: [String: Double]) {
        self.values = values
    }

    init(fields: WireFields) throws(WireValidationError) {
        let values = try fields.fields("values")
        var result: [String: Double] = [:]
        for entry in values.map.entries {
            let (name, value) = (entry.key, entry.value)
            guard let number = value.doubleValue else {
                throw WireValidationError(field: "values.\(name)", problem: "expected float, found \(value.kindName)")
            }
            result[name] = number
        }
        self.init(values: result)
    }

    var wireMap: MessagePackMap {
        var map = MessagePackMap()
        for name in values.keys.sorted() { map[name] = .float(values[name]!) }
        return ["values": .map(map)]
    }
}
