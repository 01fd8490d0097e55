import DiffusionSchedulers

/// The per-step quantities of a directive, read from the library's step plans
/// (`stepPlan` / `stepCoefficients`), the same scalars the schedulers' `step` runs on: the
/// generator never recomputes scheduler math.
enum StepQuantities {
    /// The scheduler classes a step quantity exists for.
    enum Family: Equatable {
        case ddim, ddpm, ddimOrDDPM, dpmSolver, lambdaSteps, euler

        /// How an error names the scheduler a quantity needs.
        var needs: String {
            switch self {
            case .ddim: "a DDIM scheduler"
            case .ddpm: "a DDPM scheduler"
            case .ddimOrDDPM: "a DDIM or DDPM scheduler"
            case .dpmSolver: "a DPM-Solver scheduler (DPMSolverMultistep or DPMSolverSinglestep)"
            case .lambdaSteps: "a DPM-Solver or UniPC scheduler (DPMSolverMultistep, DPMSolverSinglestep, UniPCMultistep)"
            case .euler: "an EulerDiscrete scheduler"
            }
        }

        /// What a scheduler of another family lacks, for the error's second half.
        var lacks: String {
            switch self {
            case .ddim: "no DDIM update"
            case .ddpm: "no DDPM posterior"
            case .ddimOrDDPM: "no x̂₀-form DDPM/DDIM update"
            case .dpmSolver: "no DPM-Solver update"
            case .lambdaSteps: "no λ steps"
            case .euler: "no Euler σ steps"
            }
        }
    }

    /// The step arguments a directive may set, each belonging to one family's `step`.
    static let arguments: [String: Family] = ["eta": .ddim, "s_churn": .euler, "s_tmin": .euler, "s_tmax": .euler, "s_noise": .euler]

    /// The family a quantity needs, or nil for schedule quantities.
    static func family(of quantity: ScheduleQuantity) -> Family? {
        switch quantity {
        case .finalAlphaCumprod, .ddimVariance, .ddimSigma, .coeffDirection, .coeffEps: .ddim
        case .posteriorVariance, .ddpmVariance: .ddpm
        case .prevTimesteps, .alphaCumprodT, .alphaCumprodPrev, .coeffX0, .coeffXt, .noiseStd: .ddimOrDDPM
        case .lambdaS, .lambdaT, .stepH, .solverOrderUsed: .lambdaSteps
        case .stepR0, .stepR1, .coeffSample, .coeffD0, .coeffD1, .coeffD2, .coeffNoise: .dpmSolver
        case .dt, .gamma, .sigmaHat: .euler
        default: nil
        }
    }

    /// The family `scheduler` belongs to, for checking step arguments and quantities.
    static func families(of scheduler: any DiffusionScheduler) -> [Family] {
        switch scheduler {
        case is DDIMScheduler: [.ddim, .ddimOrDDPM]
        case is DDPMScheduler: [.ddpm, .ddimOrDDPM]
        case is DPMSolverMultistepScheduler, is DPMSolverSinglestepScheduler: [.dpmSolver, .lambdaSteps]
        case is UniPCMultistepScheduler: [.lambdaSteps]
        case is EulerDiscreteScheduler: [.euler]
        default: []
        }
    }

    /// Checks that each step argument of `spec` belongs to its scheduler.
    static func checkArguments(_ spec: SchedulerSpec, scheduler: any DiffusionScheduler) -> Diagnostic? {
        let owned = families(of: scheduler)
        for key in spec.stepArguments.keys.sorted() {
            guard let family = arguments[key], !owned.contains(family) else { continue }
            return .error("directive.step-argument",
                          "'\(key)' is an argument of the step of \(family.needs); '\(spec.kind.rawValue)' does not take it",
                          at: spec.locations[key] ?? spec.location)
        }
        return nil
    }

    /// `quantity` for every step of `scheduler` (after `setTimesteps`), or a located diagnostic.
    static func values(_ quantity: ScheduleQuantity, scheduler: any DiffusionScheduler, spec: SchedulerSpec) -> Result<[Double], Diagnostic> {
        guard let family = family(of: quantity) else {
            return .failure(.error("directive.quantity", "'\(quantity.rawValue)' is not a step quantity", at: spec.location))
        }
        guard families(of: scheduler).contains(family) else {
            return .failure(.error("directive.quantity",
                                   "quantity '\(quantity.rawValue)' needs \(family.needs); '\(spec.kind.rawValue)' has \(family.lacks)",
                                   at: spec.location))
        }
        if let bad = checkArguments(spec, scheduler: scheduler) { return .failure(bad) }
        let arguments = spec.stepArguments
        do {
            switch scheduler {
            case let ddim as DDIMScheduler:
                if quantity == .finalAlphaCumprod { return .success([Double(ddim.finalAlphaCumprod)]) }
                return .success(try ddim.stepPlan(eta: arguments["eta"] ?? 0).map { Double(ddimValue(quantity, $0)) })
            case let ddpm as DDPMScheduler:
                return .success(try ddpm.stepPlan().map { ddpmValue(quantity, $0) })
            case let solver as DPMSolverMultistepScheduler:
                return .success(try solver.stepPlan().map { dpmSolverValue(quantity, $0) })
            case let solver as DPMSolverSinglestepScheduler:
                return .success(try solver.stepPlan().map { dpmSolverValue(quantity, $0) })
            case let uniPC as UniPCMultistepScheduler:
                // The predictor's λ step and order: the update that moves the sample to the next σ.
                return .success(try uniPC.stepPlan().map { uniPCValue(quantity, $0.predictor) })
            case let euler as EulerDiscreteScheduler:
                let plan = try euler.stepPlan(
                    sChurn: arguments["s_churn"] ?? 0, sTmin: arguments["s_tmin"] ?? 0,
                    sTmax: arguments["s_tmax"] ?? .infinity, sNoise: arguments["s_noise"] ?? 1)
                return .success(plan.map { eulerValue(quantity, $0) })
            default:
                return .failure(.error("directive.quantity", "quantity '\(quantity.rawValue)' needs \(family.needs)", at: spec.location))
            }
        } catch {
            return .failure(spec.diagnostic(for: error))
        }
    }

    private static func ddimValue(_ quantity: ScheduleQuantity, _ k: DDIMStepCoefficients) -> Float {
        switch quantity {
        case .prevTimesteps: Float(k.prevTimestep)
        case .alphaCumprodT: k.alphaProd
        case .alphaCumprodPrev: k.alphaProdPrev
        case .ddimVariance: k.variance
        case .ddimSigma, .noiseStd: k.std
        case .coeffX0: k.originalCoefficient
        case .coeffDirection: k.directionCoefficient
        case .coeffXt: k.sampleCoefficient
        case .coeffEps: k.epsilonCoefficient
        default: .nan  // excluded by the family check
        }
    }

    private static func ddpmValue(_ quantity: ScheduleQuantity, _ k: DDPMStepCoefficients) -> Double {
        switch quantity {
        case .prevTimesteps: Double(k.prevTimestep)
        case .alphaCumprodT: Double(k.alphaProd)
        case .alphaCumprodPrev: Double(k.alphaProdPrev)
        case .coeffX0: Double(k.originalCoefficient)
        case .coeffXt: Double(k.currentCoefficient)
        case .posteriorVariance: Double(k.posteriorVariance)
        // The learned variance types take theirs from the model: no number to show.
        case .ddpmVariance: k.variance.map(Double.init) ?? .nan
        // The last step adds no noise.
        case .noiseStd: Double(k.std ?? 0)
        default: .nan
        }
    }

    private static func dpmSolverValue(_ quantity: ScheduleQuantity, _ k: DPMSolverStepCoefficients) -> Double {
        switch quantity {
        case .lambdaS: Double(k.lambdaS)
        case .lambdaT: Double(k.lambdaT)
        case .stepH: Double(k.h)
        // r₀ and r₁ do not exist at a step whose order does not use them.
        case .stepR0: k.r0.map(Double.init) ?? .nan
        case .stepR1: k.r1.map(Double.init) ?? .nan
        case .solverOrderUsed: Double(k.order)
        case .coeffSample: Double(k.sampleCoefficient)
        case .coeffD0: Double(k.d0Coefficient)
        // A term the order does not have has weight 0.
        case .coeffD1: Double(k.d1Coefficient ?? 0)
        case .coeffD2: Double(k.d2Coefficient ?? 0)
        case .coeffNoise: Double(k.noiseCoefficient ?? 0)
        default: .nan
        }
    }

    private static func uniPCValue(_ quantity: ScheduleQuantity, _ k: UniPCUpdateCoefficients) -> Double {
        switch quantity {
        case .lambdaS: Double(k.lambdaS)
        case .lambdaT: Double(k.lambdaT)
        case .stepH: Double(k.h)
        case .solverOrderUsed: Double(k.order)
        default: .nan
        }
    }

    private static func eulerValue(_ quantity: ScheduleQuantity, _ k: EulerStepCoefficients) -> Double {
        switch quantity {
        case .dt: Double(k.dt)
        case .gamma: k.gamma
        case .sigmaHat: Double(k.sigmaHat)
        default: .nan
        }
    }
}
