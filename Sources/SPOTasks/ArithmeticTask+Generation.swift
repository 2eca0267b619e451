extension ArithmeticTask {
    /// Draws attempts from `random` until one yields a problem, at most 1000.
    ///
    /// An attempt draws, in order: the step count `s ∈ [min_steps, max_steps]`, a
    /// template, a name, the start `a ∈ start_range`; then, if the template has a product
    /// opening and a coin says so, `b ∈ operand_ranges.multiply` with `a·b <= max_value`
    /// (the first step, `a*b=v`); then each further step: an operation uniformly among
    /// those with a feasible operand, the operand uniformly among its feasible values,
    /// and a sentence of that operation not used yet in this problem (any, once all are).
    /// An operand is feasible when the result is an integer in `1 ... max_value`. An
    /// attempt fails when a step has no feasible operation.
    ///
    /// - Throws: `TaskError` when 1000 attempts fail: the ranges leave no room.
    func makeProblem(using random: inout SplitMix64, id: String) throws -> Problem {
        for _ in 0..<1000 {
            if let problem = attempt(using: &random, id: id) { return problem }
        }
        throw TaskError(
            source: source, location: "", value: "",
            problem: "1000 attempts found no problem of \(config.minSteps)...\(config.maxSteps) steps "
                + "with every value in 1...\(config.maxValue); widen operand_ranges, raise "
                + "max_value or allow more operations")
    }

    private func attempt(using random: inout SplitMix64, id: String) -> Problem? {
        let stepCount = random.next(in: config.minSteps...config.maxSteps)
        let template = random.element(of: templates)
        let name = random.element(of: config.names)
        let start = random.next(in: config.startRange.min...config.startRange.max)
        var sentences: [String] = []
        var lines: [String] = []
        var value = start
        if let product = template.productOpening, random.next(in: 0...1) == 1,
            let multipliers = operands(of: .multiply, value: start)
        {
            let multiplier = multipliers.pick(using: &random)
            value = start * multiplier
            lines.append("\(start)*\(multiplier)=\(value)")
            sentences.append(product.render(["name": name, "a": "\(start)", "b": "\(multiplier)"]))
        } else {
            sentences.append(template.opening.render(["name": name, "a": "\(start)"]))
        }
        var used: [ArithmeticOperation: Set<Int>] = [:]
        while lines.count < stepCount {
            let feasible = config.operations.filter {
                template.steps[$0] != nil && operands(of: $0, value: value) != nil
            }
            guard !feasible.isEmpty else { return nil }
            let operation = random.element(of: feasible)
            guard let operand = operands(of: operation, value: value)?.pick(using: &random) else { return nil }
            let result = apply(operation, value, operand)
            let patterns = template.steps[operation] ?? []
            let fresh = patterns.indices.filter { !(used[operation]?.contains($0) ?? false) }
            let choice = random.element(of: fresh.isEmpty ? Array(patterns.indices) : fresh)
            used[operation, default: []].insert(choice)
            sentences.append(patterns[choice].render(["name": name, "n": "\(operand)"]))
            lines.append("\(value)\(operation.symbol)\(operand)=\(result)")
            value = result
        }
        sentences.append(template.question.render(["name": name]))
        return Problem(
            id: id, question: sentences.joined(separator: " "),
            solution: (lines + ["#### \(value)"]).joined(separator: "\n"), answer: "\(value)")
    }

    /// The operands `n ∈ operand_ranges[operation]` for which `value ∘ n` is an integer
    /// in `1 ... max_value`; `nil` when there are none or the operation has no range.
    private func operands(of operation: ArithmeticOperation, value: Int) -> FeasibleOperands? {
        guard let range = config.operandRanges[operation] else { return nil }
        let upper: Int
        switch operation {
        case .add: upper = Swift.min(range.max, config.maxValue - value)
        case .subtract: upper = Swift.min(range.max, value - 1)
        case .multiply: upper = Swift.min(range.max, config.maxValue / value)
        case .divide:
            upper = Swift.min(range.max, value)
            guard upper >= range.min else { return nil }
            let divisors = (range.min...upper).filter { value % $0 == 0 }
            return divisors.isEmpty ? nil : .divisors(divisors)
        }
        return upper >= range.min ? .range(range.min...upper) : nil
    }

    private func apply(_ operation: ArithmeticOperation, _ value: Int, _ operand: Int) -> Int {
        switch operation {
        case .add: value + operand
        case .subtract: value - operand
        case .multiply: value * operand
        case .divide: value / operand
        }
    }
}

/// The operands a step may take: a contiguous range, or the divisors for `divide`.
private enum FeasibleOperands {
    case range(ClosedRange<Int>)
    case divisors([Int])

    /// One operand, uniformly.
    func pick(using random: inout SplitMix64) -> Int {
        switch self {
        case .range(let range): random.next(in: range)
        case .divisors(let divisors): random.element(of: divisors)
        }
    }
}
