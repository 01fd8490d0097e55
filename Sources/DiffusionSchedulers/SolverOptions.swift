/// The `prediction_type` of the solver schedulers (DPM-Solver, UniPC), which add flow matching's
/// velocity to the three DDPM-family prediction types.
public enum SolverPredictionType: String, Sendable, Codable, CaseIterable {
    /// The noise ε added to x₀.
    case epsilon
    /// The clean sample x₀ itself.
    case sample
    /// The velocity v = √ᾱ·ε − √(1−ᾱ)·x₀.
    case vPrediction = "v_prediction"
    /// The flow-matching velocity ε − x₀ (with `use_flow_sigmas`); x₀ = x − σ·v.
    case flowPrediction = "flow_prediction"
}

/// DPM-Solver's `algorithm_type`: which integral the solver discretises.
public enum DPMSolverAlgorithmType: String, Sendable, Codable, CaseIterable {
    /// DPM-Solver (arXiv 2206.00927): the noise-prediction ODE (deprecated in diffusers).
    case dpmsolver
    /// DPM-Solver++ (arXiv 2211.01095): the data-prediction ODE; the diffusers default.
    case dpmsolverPlusPlus = "dpmsolver++"
    /// The SDE variant of DPM-Solver, drawing fresh noise every step (deprecated in diffusers).
    case sdeDpmsolver = "sde-dpmsolver"
    /// The SDE variant of DPM-Solver++, drawing fresh noise every step.
    case sdeDpmsolverPlusPlus = "sde-dpmsolver++"

    /// Whether the solver works with the data prediction x₀ (the "++" variants).
    var predictsData: Bool { self == .dpmsolverPlusPlus || self == .sdeDpmsolverPlusPlus }
    /// Whether each step adds noise.
    var isStochastic: Bool { self == .sdeDpmsolver || self == .sdeDpmsolverPlusPlus }
}

/// DPM-Solver's `solver_type` for the second-order update.
public enum DPMSolverType: String, Sendable, Codable, CaseIterable {
    /// The midpoint form (the diffusers default, recommended).
    case midpoint
    /// Heun's form.
    case heun
}

/// `final_sigmas_type`: the sigma the last step lands on.
public enum FinalSigmasType: String, Sendable, Codable, CaseIterable {
    /// σ = 0: the last step returns the x₀ estimate.
    case zero
    /// The smallest training sigma, σ(t = 0) (UniPC with converted sigmas: the last converted sigma).
    case sigmaMin = "sigma_min"
}

/// Euler's `interpolation_type`: how the inference sigmas are read off the training table.
public enum InterpolationType: String, Sendable, Codable, CaseIterable {
    /// `np.interp` at the inference timesteps.
    case linear
    /// Log-linear from σ_min to σ_max (n + 1 values, a diffusers quirk kept as is).
    case logLinear = "log_linear"
}

/// Euler's `timestep_type`.
public enum TimestepType: String, Sendable, Codable, CaseIterable {
    /// The (fractional) training timesteps.
    case discrete
    /// With `v_prediction`: the EDM-style `0.25 · log σ` instead of timesteps.
    case continuous
}

/// `time_shift_type` of dynamic shifting in the flow-matching schedules.
public enum TimeShiftType: String, Sendable, Codable, CaseIterable {
    /// `e^μ / (e^μ + (1/t − 1))`.
    case exponential
    /// `μ / (μ + (1/t − 1))`.
    case linear
}

/// UniPC's `solver_type`: the B(h) of the UniPC paper.
public enum UniPCSolverType: String, Sendable, Codable, CaseIterable {
    /// B(h) = h.
    case bh1
    /// B(h) = e^h − 1 (the default).
    case bh2
}

/// Which of the three sigma-spacing switches (`use_karras_sigmas`, `use_exponential_sigmas`,
/// `use_beta_sigmas`) is on; diffusers allows at most one.
enum SigmaSpacing {
    case karras, exponential, beta

    /// The single switch that is on, or a thrown error naming the conflict.
    static func from(karras: Bool, exponential: Bool, beta: Bool) throws(SchedulerError) -> SigmaSpacing? {
        let on = [(karras, "use_karras_sigmas"), (exponential, "use_exponential_sigmas"), (beta, "use_beta_sigmas")]
            .filter(\.0).map(\.1)
        guard on.count <= 1 else {
            throw SchedulerError(
                key: on[1], message: "only one of use_beta_sigmas, use_exponential_sigmas, use_karras_sigmas can be used, but \(on.joined(separator: " and ")) are set")
        }
        if karras { return .karras }
        if exponential { return .exponential }
        if beta { return .beta }
        return nil
    }

    /// Converts sigmas between `sigmaMin` and `sigmaMax` into this spacing.
    func convert(sigmaMin: Double, sigmaMax: Double, count: Int) -> [Double] {
        switch self {
        case .karras: SigmaConversion.karras(sigmaMin: sigmaMin, sigmaMax: sigmaMax, count: count)
        case .exponential: SigmaConversion.exponential(sigmaMin: sigmaMin, sigmaMax: sigmaMax, count: count)
        case .beta: SigmaConversion.beta(sigmaMin: sigmaMin, sigmaMax: sigmaMax, count: count)
        }
    }
}

extension BetaSchedule {
    /// Throws unless `self` is among `allowed`, as diffusers' `NotImplementedError` for the schedules a class lacks.
    func check(allowed: [BetaSchedule], className: String) throws(SchedulerError) {
        guard allowed.contains(self) else {
            throw SchedulerError(
                key: "beta_schedule", message: "beta_schedule '\(rawValue)' is not implemented for \(className); choose \(SchedulerCatalog.list(allowed.map(\.rawValue)))")
        }
    }
}
