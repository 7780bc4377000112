package dev.nixfront.infra;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.ApplicationLogLevel;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.IDestination;
import software.amazon.awscdk.services.lambda.ILayerVersion;
import software.amazon.awscdk.services.lambda.LoggingFormat;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.SystemLogLevel;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * One nixfront Lambda: Java 21 on arm64, the shared layer, JSON logs into its own log group, its own
 * role (no managed policies: it gets exactly what the {@code grant*} calls add), and SnapStart on the
 * version published for each change, reached through the alias {@code live}. Everything that invokes
 * the function (API routes, the publish function) goes through the alias, never {@code $LATEST}.
 */
public final class NixfrontFunction extends Construct {
    public static final String ALIAS = "live";

    /**
     * @param handlerClass     simple name of the handler in {@code dev.nixfront.functions}
     * @param description      what the function may do, shown in the console
     * @param memoryMb         memory (and with it CPU: 1769 MB is one vCPU)
     * @param timeout          at most 29 s for functions behind the HTTP API (its limit is 30 s)
     * @param quickStart       stop the JIT at C1: short requests start faster; not for byte crunching
     * @param environment      the function's configuration (read once at init)
     * @param onFailure        where failed asynchronous invocations go, or null
     * @param code             the functions jar
     * @param layers           the shared libraries, and for the admin function the edge libraries
     * @param logRetention     retention of the log group
     */
    public record Props(
            String handlerClass,
            String description,
            int memoryMb,
            Duration timeout,
            boolean quickStart,
            Map<String, String> environment,
            IDestination onFailure,
            Code code,
            List<ILayerVersion> layers,
            RetentionDays logRetention) {
        public Props {
            layers = List.copyOf(layers);
        }
    }

    private final Role role;
    private final Function function;
    private final Alias alias;
    private final LogGroup logs;

    public NixfrontFunction(Construct scope, String id, Props props) {
        super(scope, id);
        role = Role.Builder.create(this, "Role")
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description("nixfront " + id + ": " + props.description())
                .build();
        logs = LogGroup.Builder.create(this, "Logs")
                .retention(props.logRetention())
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        logs.grantWrite(role);

        Map<String, String> environment = new TreeMap<>(props.environment());
        if (props.quickStart()) {
            environment.put("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1");
        }
        function = Function.Builder.create(this, "Function")
                .description("nixfront " + id + ": " + props.description())
                .runtime(Runtime.JAVA_21)
                .architecture(Architecture.ARM_64)
                .handler("dev.nixfront.functions." + props.handlerClass() + "::handleRequest")
                .code(props.code())
                .layers(props.layers())
                .memorySize(props.memoryMb())
                .timeout(props.timeout())
                .environment(environment)
                .role(role)
                .logGroup(logs)
                .loggingFormat(LoggingFormat.JSON)
                .applicationLogLevelV2(ApplicationLogLevel.INFO)
                .systemLogLevelV2(SystemLogLevel.WARN)
                .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
                .build();
        Annotations.of(function).acknowledgeWarning("@aws-cdk/aws-lambda:snapStartRequirePublish",
                "Every caller uses the alias 'live', which points at currentVersion: a published version, so SnapStart applies.");
        Nag.suppress(function, "AwsSolutions-L1",
                "Java 21 is the release the whole build targets (maven.compiler.release 21) and an LTS runtime with "
                        + "SnapStart on arm64; moving to a newer Java runtime is a deliberate, tested upgrade of the build.");

        Alias.Builder alias = Alias.Builder.create(this, "Live")
                .aliasName(ALIAS)
                .version(function.getCurrentVersion());
        if (props.onFailure() != null) {
            // One hour, not Lambda's default six: a deleted cache's name stays reserved until no event
            // queued before the deletion can still run (the domain's CacheSettings.NAME_RESERVATION is
            // this plus the function's timeout, and a template test holds the two together).
            alias.onFailure(props.onFailure()).retryAttempts(2).maxEventAge(Duration.hours(1));
        }
        this.alias = alias.build();
    }

    /** The role its permissions are granted to. */
    public Role role() {
        return role;
    }

    public Function function() {
        return function;
    }

    /** What callers invoke. */
    public Alias alias() {
        return alias;
    }

    /** The function's log group (JSON log format). */
    public LogGroup logs() {
        return logs;
    }
}
