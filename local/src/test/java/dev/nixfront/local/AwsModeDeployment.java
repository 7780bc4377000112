package dev.nixfront.local;

import static org.assertj.core.api.Assertions.fail;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nixfront.api.ApiRoute;
import dev.nixfront.api.Json;
import dev.nixfront.aws.AwsClientConfig;
import dev.nixfront.aws.AwsClients;
import dev.nixfront.cache.Services;
import dev.nixfront.functions.CollectHandler;
import dev.nixfront.functions.Wiring;
import dev.nixfront.infra.DeploymentConfig;
import dev.nixfront.infra.NixfrontApp;
import dev.nixfront.local.server.DynaliteServer;
import dev.nixfront.local.server.S3ProxyServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudfront.model.InvalidationSummary;
import software.amazon.awssdk.services.cloudfront.model.Origin;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.lambda.model.Runtime;

/**
 * A deployment of the synthesized {@code Nixfront} stack onto stand-ins, built from the template
 * alone, so that what the functions run with is what CloudFormation would give them:
 *
 * <ul>
 *   <li>every bucket of the template is created in s3proxy, every table in dynalite with the
 *       template's keys and indexes, the KMS key, the generated admin secret (Secrets Manager's
 *       GetRandomPassword with the template's {@code GenerateSecretString}), every function and
 *       alias, and the distribution (whose id the admin function invalidates at) in moto_server;</li>
 *   <li>each function's environment is its template {@code Environment.Variables} with every
 *       {@code Ref}, {@code Fn::GetAtt} and {@code Fn::Join} resolved to those stand-ins (an unknown
 *       reference fails: infra and the code cannot drift apart), plus what Lambda adds
 *       ({@code AWS_REGION}) and the SDK's {@code AWS_ENDPOINT_URL_<SERVICE>} overrides;</li>
 *   <li>each handler class named by its template {@code Handler} is built with
 *       {@link Wiring#forEnvironment}, the code path of Lambda's cold start, and the API front routes
 *       the template's {@code RouteKey}s to the function their integration names;</li>
 *   <li>an asynchronous Invoke goes to moto (which answers 202) through a recorder that then runs
 *       the invoked function's handler on the payload, as Lambda's event queue would.</li>
 * </ul>
 *
 * The one liberty: CloudFront's {@code https://<domain>} becomes the read server's
 * {@code http://127.0.0.1:<port>}. Credentials are the SDK's default chain, fed through the
 * {@code aws.accessKeyId} and {@code aws.secretAccessKey} system properties (s3proxy checks them;
 * dynalite and moto take any).
 */
final class AwsModeDeployment implements AutoCloseable {
    static final String REGION = "eu-west-1";
    static final String ACCOUNT = "123456789012";
    static final int COLLECTION_FENCE_SECONDS = 3;
    private static final String LAMBDA_ROLE_POLICY = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
            + "\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";

    private final List<AutoCloseable> parts = new ArrayList<>();
    private final Map<String, String> previousProperties = new LinkedHashMap<>();
    private final Map<String, Object> resources;
    private final Map<String, String> refs = new TreeMap<>();
    private final Map<String, String> attributes = new TreeMap<>();
    private final Map<String, String> handlerClasses = new TreeMap<>();
    private final Map<String, Object> handlers = new TreeMap<>();
    private final ExecutorService lambdaQueue = Executors.newSingleThreadExecutor();
    private final S3ProxyServer s3proxy;
    private final DynaliteServer dynalite;
    private final MotoServer moto;
    private final AwsClients clients;
    private final LambdaInvokeRecorder lambda;
    private final KeyValueStoreStub edgeStore;
    private final ReadServer readServer;
    private String bucket;
    private String adminSecretArn;
    private String kmsKeyArn;
    private String distributionId;
    private ApiFront api;

    private AwsModeDeployment(Path directory, Map<String, Object> template) throws IOException {
        this.resources = map(template.get("Resources"));
        String accessKey = "AKIA" + HexFormat.of().formatHex(new SecureRandom().generateSeed(8)).toUpperCase(java.util.Locale.ROOT);
        String secretKey = HexFormat.of().formatHex(new SecureRandom().generateSeed(20));
        setProperty("aws.accessKeyId", accessKey);
        setProperty("aws.secretAccessKey", secretKey);
        s3proxy = track(new S3ProxyServer(directory.resolve("s3"), accessKey, secretKey, 0).start());
        dynalite = track(DynaliteServer.inMemory(accessKey, secretKey).start());
        moto = track(MotoServer.start());
        clients = track(AwsClients.create(new AwsClientConfig(Region.of(REGION), new AwsClientConfig.Endpoints(
                s3proxy.endpoint(), dynalite.endpoint(), moto.endpoint(), moto.endpoint(), moto.endpoint(), null, moto.endpoint()),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))));
        lambda = track(new LambdaInvokeRecorder(moto.endpoint(), this::invokeAsync));
        provisionStorage();
        // moto_server has no KeyValueStore: the admin function writes a stub of its data plane, at the
        // ARN the template's GetAtt resolves to. The read server does not check private caches here.
        String edgeStoreArn = "arn:aws:cloudfront::" + ACCOUNT + ":key-value-store/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9";
        edgeStore = track(new KeyValueStoreStub(edgeStoreArn));
        attributes.put(only("AWS::CloudFront::KeyValueStore") + ".Arn", edgeStoreArn);
        readServer = track(new ReadServer(ReadServer.Origin.of(clients.s3(), bucket), 0, null, Clock.systemUTC()));
        attributes.put(only("AWS::CloudFront::Distribution") + ".DomainName", "127.0.0.1:" + readServer.url().getPort());
        provisionDistribution();
        provisionFunctions();
    }

    /**
     * Synthesizes the default deployment (with {@code inlineVerifyMaxBytes}, so a test can send paths
     * through the asynchronous verifier) and stands it up; then {@link #coldStart()} builds the functions.
     */
    static AwsModeDeployment start(Path directory, long inlineVerifyMaxBytes) throws IOException {
        Path root = repositoryRoot();
        App app = new App(AppProps.builder().context(cdkJsonContext(root)).build());
        DeploymentConfig config = DeploymentConfig.builder(REGION, ACCOUNT,
                        root.resolve("functions/target/nixfront-functions.jar"),
                        root.resolve("layers/lambda-layer/target/nixfront-layer.zip"))
                .inlineVerifyMaxBytes(inlineVerifyMaxBytes)
                // A collection waits this long between marking and deleting (120 s in a real deployment).
                .collectionFenceSeconds(COLLECTION_FENCE_SECONDS)
                .build();
        NixfrontApp.Stacks stacks = NixfrontApp.assemble(app, config);
        Map<String, Object> template = map(Template.fromStack(stacks.main()).toJSON());
        AwsModeDeployment deployment = new AwsModeDeployment(directory, template);
        try {
            deployment.coldStart();
            return deployment;
        } catch (RuntimeException e) {
            deployment.close();
            throw e;
        }
    }

    /**
     * Builds every function anew, as a deployment of new versions does (each its own cold start:
     * the admin function reads the secret and registers the token), and puts a new API front before
     * them.
     */
    void coldStart() throws IOException {
        coldStart(null, Map.of());
    }

    /**
     * {@link #coldStart()}, the functions whose handler class is named {@code handler} (e.g.
     * {@code AdminHandler}) getting {@code extra} variables on top of their template's, as a
     * deployment setting the stack does not make would give them.
     */
    void coldStart(String handler, Map<String, String> extra) throws IOException {
        if (api != null) {
            api.close();
            parts.remove(api);
        }
        handlers.clear();
        for (Map.Entry<String, String> function : handlerClasses.entrySet()) {
            Map<String, String> environment = environment(function.getKey());
            if (function.getValue().endsWith("." + handler)) {
                environment.putAll(extra);
            }
            handlers.put(function.getKey(), construct(function.getValue(), environment));
        }
        api = track(new ApiFront(routes(), 0, Clock.systemUTC()));
    }

    URI apiUrl() {
        return api.url();
    }

    URI cacheUrl() {
        return readServer.url();
    }

    AwsClients clients() {
        return clients;
    }

    String bucket() {
        return bucket;
    }

    /** The index table's name (the template's only table). */
    String table() {
        return only("AWS::DynamoDB::Table");
    }

    String adminSecretArn() {
        return adminSecretArn;
    }

    String kmsKeyArn() {
        return kmsKeyArn;
    }

    /** The admin token as the stack's secret holds it now. */
    String adminSecretValue() {
        return clients.secretsManager().getSecretValue(b -> b.secretId(adminSecretArn)).secretString();
    }

    /** A value made exactly as the template's {@code GenerateSecretString} makes one. */
    String generateSecretValue() {
        Map<String, Object> generator = map(at(resources.get(only("AWS::SecretsManager::Secret")), "Properties",
                "GenerateSecretString"));
        return clients.secretsManager().getRandomPassword(b -> {
            generator.forEach((name, value) -> {
                switch (name) {
                    case "PasswordLength" -> b.passwordLength(((Number) value).longValue());
                    case "ExcludePunctuation" -> b.excludePunctuation((Boolean) value);
                    case "ExcludeCharacters" -> b.excludeCharacters((String) value);
                    case "ExcludeLowercase" -> b.excludeLowercase((Boolean) value);
                    case "ExcludeUppercase" -> b.excludeUppercase((Boolean) value);
                    case "ExcludeNumbers" -> b.excludeNumbers((Boolean) value);
                    case "IncludeSpace" -> b.includeSpace((Boolean) value);
                    case "RequireEachIncludedType" -> b.requireEachIncludedType((Boolean) value);
                    default -> fail("GenerateSecretString." + name + " is not reproduced by the AWS-mode tests");
                }
            });
        }).randomPassword();
    }

    /** The environment Lambda would give {@code function} (a logical id), with the stand-ins' endpoints. */
    Map<String, String> environment(String function) {
        Map<String, String> env = new TreeMap<>();
        map(at(resources.get(function), "Properties", "Environment", "Variables"))
                .forEach((name, value) -> env.put(name, resolve(value)));
        env.computeIfPresent("NIXFRONT_CACHE_URL", (name, url) -> url.replace("https://127.0.0.1:", "http://127.0.0.1:"));
        env.put("AWS_REGION", REGION);
        env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
        env.put("AWS_ENDPOINT_URL_S3", s3proxy.endpoint().toString());
        env.put("AWS_ENDPOINT_URL_DYNAMODB", dynalite.endpoint().toString());
        env.put("AWS_ENDPOINT_URL_LAMBDA", lambda.endpoint().toString());
        env.put("AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE", edgeStore.endpoint().toString());
        return env;
    }

    /** What the admin function has written to the edge store (the KeyValueStore stub). */
    Map<String, String> edgeEntries() {
        return edgeStore.entries();
    }

    /** Changes the edge store behind the admin function's back, as drift would. */
    void driftEdge(Map<String, String> puts, List<String> deletes) {
        edgeStore.drift(puts, deletes);
    }

    /**
     * Fires every scheduled EventBridge rule of the template once: each target's {@code Input}, read
     * into the event class of the handler its alias points at (as Lambda's runtime reads it), handed
     * to that handler. Returns the handlers' answers by rule id.
     */
    @SuppressWarnings("unchecked")
    Map<String, Object> fireSchedules() throws IOException {
        ObjectMapper events = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        Map<String, Object> answers = new TreeMap<>();
        for (String rule : ofType("AWS::Events::Rule")) {
            if (at(resources.get(rule), "Properties", "ScheduleExpression") == null) {
                continue;
            }
            for (Object target : (List<Object>) at(resources.get(rule), "Properties", "Targets")) {
                String alias = id(map(target).get("Arn"));
                String function = id(at(resources.get(alias), "Properties", "FunctionName"));
                Object handler = handlers.get(function);
                Class<?> eventType = java.util.Arrays.stream(handler.getClass().getMethods())
                        .filter(m -> m.getName().equals("handleRequest") && !m.isBridge())
                        .findFirst().orElseThrow().getParameterTypes()[0];
                Object event = events.readValue((String) map(target).get("Input"), eventType);
                answers.put(rule, ((RequestHandler<Object, Object>) handler).handleRequest(event,
                        new LocalLambdaContext(function, refs.get(alias), Clock.systemUTC().instant().plus(Duration.ofMinutes(15)), Clock.systemUTC())));
            }
        }
        return answers;
    }

    /** The functions' logical ids by handler class name, e.g. {@code AdminHandler -> FunctionsAdminFunctionA734609A}. */
    Map<String, String> functionsByHandler() {
        Map<String, String> byHandler = new TreeMap<>();
        handlerClasses.forEach((id, handler) -> byHandler.put(handler.substring(handler.lastIndexOf('.') + 1), id));
        return byHandler;
    }

    /** Waits until every asynchronous invocation queued so far (and what they queued meanwhile, in order) has run. */
    void drainAsync() throws Exception {
        lambdaQueue.submit(() -> { }).get(5, java.util.concurrent.TimeUnit.MINUTES);
    }

    List<LambdaInvokeRecorder.Invocation> asyncInvocations() {
        return lambda.invocations();
    }

    /** The ARN of the alias the template points at {@code function}. */
    String aliasArn(String function) {
        for (String alias : ofType("AWS::Lambda::Alias")) {
            if (function.equals(id(at(resources.get(alias), "Properties", "FunctionName")))) {
                return refs.get(alias);
            }
        }
        return fail("no alias of " + function);
    }

    private void provisionStorage() {
        for (String id : ofType("AWS::S3::Bucket")) {
            String name = "nf-" + id.toLowerCase(java.util.Locale.ROOT);
            s3proxy.createBucket(name);
            refs.put(id, name);
            attributes.put(id + ".Arn", "arn:aws:s3:::" + name);
        }
        bucket = refs.get(ofType("AWS::S3::Bucket").stream()
                .filter(id -> at(resources.get(id), "Properties", "LifecycleConfiguration") != null
                        && at(resources.get(id), "Properties", "LoggingConfiguration") != null)
                .findFirst().orElseThrow());
        for (String id : ofType("AWS::DynamoDB::Table")) {
            createTable(id, map(at(resources.get(id), "Properties")));
            refs.put(id, id);
            attributes.put(id + ".Arn", "arn:aws:dynamodb:" + REGION + ":" + ACCOUNT + ":table/" + id);
        }
        for (String id : ofType("AWS::KMS::Key")) {
            var key = clients.kms().createKey(b -> b.description((String) at(resources.get(id), "Properties", "Description")))
                    .keyMetadata();
            refs.put(id, key.keyId());
            attributes.put(id + ".Arn", key.arn());
            kmsKeyArn = key.arn();
        }
        String secret = only("AWS::SecretsManager::Secret");
        String value = generateSecretValue();
        adminSecretArn = clients.secretsManager().createSecret(b -> b.name(secret).secretString(value)).arn();
        refs.put(secret, adminSecretArn);
    }

    @SuppressWarnings("unchecked")
    private void createTable(String name, Map<String, Object> p) {
        List<AttributeDefinition> attributes = new ArrayList<>();
        for (Object a : (List<Object>) p.get("AttributeDefinitions")) {
            attributes.add(AttributeDefinition.builder().attributeName((String) map(a).get("AttributeName"))
                    .attributeType((String) map(a).get("AttributeType")).build());
        }
        List<GlobalSecondaryIndex> indexes = new ArrayList<>();
        for (Object gsi : (List<Object>) p.getOrDefault("GlobalSecondaryIndexes", List.of())) {
            Map<String, Object> projection = map(map(gsi).get("Projection"));
            indexes.add(GlobalSecondaryIndex.builder()
                    .indexName((String) map(gsi).get("IndexName"))
                    .keySchema(keySchema(map(gsi).get("KeySchema")))
                    .projection(Projection.builder().projectionType((String) projection.get("ProjectionType"))
                            .nonKeyAttributes((List<String>) projection.get("NonKeyAttributes")).build())
                    .build());
        }
        clients.dynamoDb().createTable(b -> b.tableName(name).billingMode(BillingMode.fromValue((String) p.get("BillingMode")))
                .attributeDefinitions(attributes).keySchema(keySchema(p.get("KeySchema")))
                .globalSecondaryIndexes(indexes.isEmpty() ? null : indexes));
    }

    private static List<KeySchemaElement> keySchema(Object schema) {
        List<KeySchemaElement> keys = new ArrayList<>();
        for (Object k : (List<?>) schema) {
            keys.add(KeySchemaElement.builder().attributeName((String) map(k).get("AttributeName"))
                    .keyType((String) map(k).get("KeyType")).build());
        }
        return keys;
    }

    /**
     * The template's distribution in moto, for its id: what the admin function invalidates a deleted
     * cache at. Its origin is a placeholder; reads go to the read server (the one liberty above).
     */
    private void provisionDistribution() {
        String id = only("AWS::CloudFront::Distribution");
        distributionId = clients.cloudFront().createDistribution(b -> b.distributionConfig(c -> c
                .callerReference(id)
                .comment("nixfront AWS-mode tests")
                .enabled(true)
                .origins(o -> o.quantity(1).items(Origin.builder().id("bucket").domainName(bucket + ".s3.amazonaws.com")
                        .s3OriginConfig(s3 -> s3.originAccessIdentity("")).build()))
                .defaultCacheBehavior(d -> d.targetOriginId("bucket").viewerProtocolPolicy("redirect-to-https")
                        .cachePolicyId("658327ea-f89d-4fab-a63d-7e88639e58f6")))).distribution().id();
        refs.put(id, distributionId);
    }

    /** The distribution's id in moto (the template's {@code Ref} of it). */
    String distributionId() {
        return distributionId;
    }

    /** The paths of every invalidation made at the distribution so far, one list per invalidation, oldest first. */
    List<List<String>> invalidations() {
        var cloudFront = clients.cloudFront();
        List<List<String>> paths = new ArrayList<>();
        cloudFront.listInvalidations(b -> b.distributionId(distributionId)).invalidationList().items().stream()
                .sorted(java.util.Comparator.comparing(InvalidationSummary::createTime))
                .forEach(summary -> paths.add(cloudFront.getInvalidation(b -> b.distributionId(distributionId).id(summary.id()))
                        .invalidation().invalidationBatch().paths().items()));
        return paths;
    }

    /** Every function and alias of the template in moto, so the publish function's Invoke of the verify alias lands. */
    private void provisionFunctions() throws IOException {
        String role;
        try (IamClient iam = IamClient.builder().region(Region.AWS_GLOBAL).endpointOverride(moto.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("moto", "moto"))).build()) {
            role = iam.createRole(b -> b.roleName("nixfront-aws-mode").assumeRolePolicyDocument(LAMBDA_ROLE_POLICY)).role().arn();
        }
        SdkBytes zip = SdkBytes.fromByteArray(emptyZip());
        for (String id : ofType("AWS::Lambda::Function")) {
            String handler = (String) at(resources.get(id), "Properties", "Handler");
            var created = clients.lambda().createFunction(b -> b.functionName(id).runtime(Runtime.JAVA21).role(role)
                    .handler(handler).code(c -> c.zipFile(zip)));
            refs.put(id, id);
            attributes.put(id + ".Arn", created.functionArn());
            handlerClasses.put(id, handler.substring(0, handler.indexOf("::")));
        }
        for (String id : ofType("AWS::Lambda::Alias")) {
            Map<String, Object> p = map(at(resources.get(id), "Properties"));
            String function = id(p.get("FunctionName"));
            String version = clients.lambda().publishVersion(b -> b.functionName(function)).version();
            refs.put(id, clients.lambda().createAlias(b -> b.functionName(function).name((String) p.get("Name"))
                    .functionVersion(version)).aliasArn());
        }
    }

    private static byte[] emptyZip() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("README"));
            zip.write("the AWS-mode tests run the handlers in the test JVM\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }

    private static Object construct(String handlerClass, Map<String, String> environment) {
        try {
            Class<?> type = Class.forName(handlerClass);
            if (type == CollectHandler.class) {
                // Hands jobs on to the alias it was invoked through, as Lambda's entry does.
                return new CollectHandler(Wiring.forEnvironment(environment), Wiring.invokedCollector(environment), Clock.systemUTC());
            }
            return type.getConstructor(Services.class).newInstance(Wiring.forEnvironment(environment));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build " + handlerClass + " as Lambda does", e);
        }
    }

    /** The template's routes: RouteKey -> integration -> alias -> function -> its handler. */
    @SuppressWarnings("unchecked")
    private List<ApiFront.Binding> routes() {
        List<ApiFront.Binding> bindings = new ArrayList<>();
        for (String id : ofType("AWS::ApiGatewayV2::Route")) {
            Map<String, Object> route = map(at(resources.get(id), "Properties"));
            List<Object> target = (List<Object>) ((List<Object>) map(route.get("Target")).get("Fn::Join")).get(1);
            String integration = id(target.get(1));
            String alias = id(at(resources.get(integration), "Properties", "IntegrationUri"));
            String function = id(at(resources.get(alias), "Properties", "FunctionName"));
            String routeKey = (String) route.get("RouteKey");
            ApiRoute declared = ApiRoute.ofRouteKey(routeKey).orElseThrow(() ->
                    new IllegalStateException("the template routes " + routeKey + ", which ApiRoute does not declare"));
            bindings.add(new ApiFront.Binding(declared, function,
                    (RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>) handlers.get(function)));
        }
        return bindings;
    }

    /** Runs the invoked function's handler on the payload, later and on another thread, as Lambda's queue does. */
    @SuppressWarnings("unchecked")
    private void invokeAsync(String functionArn, byte[] payload) {
        String function = refs.entrySet().stream().filter(e -> e.getValue().equals(functionArn)).map(Map.Entry::getKey)
                .map(alias -> id(at(resources.get(alias), "Properties", "FunctionName"))).findFirst()
                .orElseThrow(() -> new IllegalStateException("an Invoke of an unknown function " + functionArn));
        Map<String, Object> event;
        try {
            event = Json.mapper().readValue(payload, new TypeReference<Map<String, Object>>() {});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        lambdaQueue.submit(() -> ((RequestHandler<Map<String, Object>, Void>) handlers.get(function)).handleRequest(event,
                new LocalLambdaContext(function, functionArn, Clock.systemUTC().instant().plus(Duration.ofMinutes(15)), Clock.systemUTC())));
    }

    private String resolve(Object value) {
        if (value instanceof String s) {
            return s;
        }
        Map<String, Object> fn = map(value);
        if (fn.containsKey("Ref")) {
            return ref(value);
        }
        if (fn.containsKey("Fn::GetAtt")) {
            List<?> args = (List<?>) fn.get("Fn::GetAtt");
            String name = args.get(0) + "." + args.get(1);
            String resolved = attributes.get(name);
            return resolved != null ? resolved : fail("a function variable refers to " + name + ", which the AWS-mode "
                    + "tests do not stand up (" + type(String.valueOf(args.get(0))) + ")");
        }
        if (fn.containsKey("Fn::Join")) {
            List<?> args = (List<?>) fn.get("Fn::Join");
            StringBuilder joined = new StringBuilder();
            for (Object part : (List<?>) args.get(1)) {
                joined.append(joined.isEmpty() ? "" : args.get(0)).append(resolve(part));
            }
            return joined.toString();
        }
        return fail("cannot resolve " + value);
    }

    private String ref(Object value) {
        String id = (String) map(value).get("Ref");
        String resolved = refs.get(id);
        return resolved != null ? resolved : fail("a reference to " + id + ", which the AWS-mode tests do not stand up ("
                + type(id) + ")");
    }

    /** The logical id a {@code Ref} names, for following the template's own structure. */
    private static String id(Object ref) {
        return (String) map(ref).get("Ref");
    }

    private String type(String id) {
        return resources.containsKey(id) ? (String) map(resources.get(id)).get("Type") : "not in the template";
    }

    private List<String> ofType(String type) {
        return resources.entrySet().stream().filter(e -> type.equals(map(e.getValue()).get("Type"))).map(Map.Entry::getKey)
                .sorted().toList();
    }

    private String only(String type) {
        List<String> ids = ofType(type);
        if (ids.size() != 1) {
            fail("expected one " + type + " in the template, found " + ids);
        }
        return ids.getFirst();
    }

    static Path repositoryRoot() {
        Path module = Path.of("").toAbsolutePath();
        for (Path candidate : new Path[] {module.getParent(), module}) {
            if (candidate != null && Files.isRegularFile(candidate.resolve("cdk.json"))) {
                return candidate;
            }
        }
        return fail("cdk.json not found above " + module);
    }

    private static Map<String, Object> cdkJsonContext(Path root) throws IOException {
        Map<String, Object> cdkJson = new ObjectMapper().readValue(root.resolve("cdk.json").toFile(),
                new TypeReference<Map<String, Object>>() {});
        return map(cdkJson.get("context"));
    }

    private void setProperty(String name, String value) {
        previousProperties.put(name, System.getProperty(name));
        System.setProperty(name, value);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    private static Object at(Object root, String... keys) {
        Object current = root;
        for (String key : keys) {
            if (!(current instanceof Map<?, ?> m)) {
                return null;
            }
            current = m.get(key);
        }
        return current;
    }

    private <T extends AutoCloseable> T track(T part) {
        parts.add(part);
        return part;
    }

    @Override
    public void close() {
        lambdaQueue.shutdownNow();
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).close();
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        previousProperties.forEach((name, value) -> {
            if (value == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, value);
            }
        });
    }
}
