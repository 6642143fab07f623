import { Aspects, Aws, CfnResource, CustomResource, Duration, IAspect, IResolvable, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import {
  CfnInstanceProfile,
  CfnManagedPolicy,
  CfnPolicy,
  CfnRole,
  CfnRolePolicy,
  IManagedPolicy,
  InstanceProfile,
  IPrincipal,
  PolicyDocument,
  PolicyStatement,
  Role,
  RoleProps,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';

/** The properties of a role the guardrails check, resolved as CloudFormation will get them. */
const RESOLVED = ['assumeRolePolicyDocument', 'managedPolicyArns', 'policies', 'permissionsBoundary'];

/**
 * A profile's role and instance profile, made in one call from Python.
 *
 * What is plain data crosses as one JSON string (`spec`), and each object as a parameter of its own
 * type: jsii checks and converts a structured value of type `any` value by value, which cost more
 * than making the profile.
 */
export class ProfileResources {
  /**
   * Make, under `profile`, what `Ec2AccessProfile.from_spec` builds, as its Python code made it.
   *
   * `Role/Resource` is the `AWS::IAM::Role` (`spec.role`: its `CfnRoleProps` but
   * `assumeRolePolicyDocument`, which is `trustPolicy`) and `Resource/Resource` the
   * `AWS::IAM::InstanceProfile` (`spec.instanceProfile`: its `CfnInstanceProfileProps` but `roles`,
   * which is the role). An inline policy known as JSON is in `spec.role.policies`; one that is not
   * is made from `spec.inlineStatements` (JSON statements), as the policy `spec.inlinePolicyName`.
   * `spec.roleMetadata` is added to `Role` as `[type, data]` entries, and `spec.tags` (`[key, value]`)
   * with `Tags.of(profile)`, in that order. With `spec.instanceProfileTags`, the profile's
   * `InstanceProfileTags` comes last: `id`, `resourceType`, `serviceToken`, `serviceTimeoutSeconds` and
   * `tags` (a list of `{Key, Value}`) are its constructor's parameters.
   *
   * @param profile the profile, whose children are made
   * @param spec what to make, as JSON (see above)
   * @param trustPolicy the role's trust policy
   * @returns the role's scope (`Role`), the role, the instance profile, the inline policy's
   *   document, if one was made from `spec.inlineStatements`, and the `InstanceProfileTags`, if one
   *   was made
   */
  public static add(profile: Construct, spec: string, trustPolicy: any): any[] {
    const made = JSON.parse(spec);
    const document = ProfileResources.document(made);
    const roleScope = new Construct(profile, 'Role');
    const role = new CfnRole(roleScope, 'Resource', {
      assumeRolePolicyDocument: trustPolicy,
      ...made.role,
      ...(document === undefined ? {} : { policies: [{ policyName: made.inlinePolicyName, policyDocument: document }] }),
    });
    const instanceProfile = new CfnInstanceProfile(new Construct(profile, 'Resource'), 'Resource', {
      ...made.instanceProfile,
      roles: [role.ref],
    });
    ProfileResources.finish(profile, roleScope, made);
    return [roleScope, role, instanceProfile, document, ProfileResources.tags(profile, instanceProfile, made)];
  }

  /**
   * Make, under `profile`, what `Ec2AccessProfile`'s constructor builds: aws-cdk-lib's L2s.
   *
   * `Role` is the `iam.Role` (`RoleProps`: `assumedBy`, `spec.role`'s `roleName`, `path` and
   * `description`, `permissionsBoundary`, `maxSessionDuration`, `managedPolicies`, and the inline
   * policy `spec.inlinePolicyName` of `statements` then `spec.inlineStatements`, JSON statements) and
   * `Resource` the `iam.InstanceProfile` (`spec.instanceProfile`: its `InstanceProfileProps` but
   * `role`, which is the role); `spec.roleMetadata`, `spec.tags` and `spec.instanceProfileTags` as
   * for `add`.
   *
   * @param profile the profile, whose children are made
   * @param spec what to make, as JSON (see above)
   * @param assumedBy the principal that assumes the role
   * @param managedPolicies the role's managed policies
   * @param statements the first statements of the role's inline policy
   * @param permissionsBoundary the role's permissions boundary
   * @param maxSessionDuration the role's longest session
   * @returns the role, the instance profile, their default children (their L1s), the inline
   *   policy's document, if the role has one, and the `InstanceProfileTags`, if one was made
   */
  public static addL2(
    profile: Construct,
    spec: string,
    assumedBy: IPrincipal,
    managedPolicies?: IManagedPolicy[],
    statements?: PolicyStatement[],
    permissionsBoundary?: IManagedPolicy,
    maxSessionDuration?: Duration,
  ): any[] {
    const made = JSON.parse(spec);
    const document = ProfileResources.document(made, statements);
    // In the order Python gave them, which aws-cdk-lib's analytics metadata keeps.
    const props: Record<string, unknown> = { assumedBy, ...made.role };
    const optional: Record<string, unknown> = {
      permissionsBoundary,
      maxSessionDuration,
      managedPolicies,
      inlinePolicies: document === undefined ? undefined : { [made.inlinePolicyName]: document },
    };
    for (const [key, value] of Object.entries(optional)) {
      if (value !== undefined) {
        props[key] = value;
      }
    }
    const role = new Role(profile, 'Role', props as unknown as RoleProps);
    const instanceProfile = new InstanceProfile(profile, 'Resource', { ...made.instanceProfile, role });
    ProfileResources.finish(profile, role, made);
    const cfnInstanceProfile = instanceProfile.node.defaultChild as CfnInstanceProfile;
    const tags = ProfileResources.tags(profile, cfnInstanceProfile, made);
    return [role, instanceProfile, role.node.defaultChild, cfnInstanceProfile, document, tags];
  }

  /**
   * Each statement's JSON (`toStatementJson`), in one call and as one JSON array: `null` for a
   * statement whose JSON holds an object that is not plain data (a token object), which only
   * `toStatementJson` itself can hand over.
   *
   * @param statements the statements
   */
  public static statementsJson(statements: PolicyStatement[]): string {
    return JSON.stringify(
      statements.map((statement) => {
        const json = statement.toStatementJson();
        return isPlainData(json) ? json : null;
      }),
    );
  }

  /**
   * Each role's properties as the guardrails read them once the app is complete (after every aspect),
   * for a whole stack in one call, as one JSON string: jsii would otherwise check and convert every
   * value of the answer on its own.
   *
   * For each role: `roleName` and `tags` as CDK holds them (a token stays its string), and
   * `resolved`, the properties the checks read (its trust policy, managed-policy ARNs, inline
   * policies and permissions boundary) resolved in `stack`, each distinct value once.
   *
   * @param stack the stack of the roles
   * @param roles the roles' `AWS::IAM::Role` resources
   * @returns a JSON array of one entry per role, in order (see above)
   */
  public static readRoles(stack: Stack, roles: CfnRole[]): string {
    const strings = new Map<string, unknown>();
    const objects = new Map<object, unknown>();
    const resolved = (value: unknown): unknown => {
      const cache: Map<any, unknown> | undefined =
        typeof value === 'string' ? strings : typeof value === 'object' && value !== null && !Array.isArray(value) ? objects : undefined;
      if (cache === undefined) {
        return stack.resolve(value);
      }
      if (!cache.has(value)) {
        cache.set(value, stack.resolve(value));
      }
      return cache.get(value);
    };
    return JSON.stringify(
      roles.map((role) => {
        const properties = (role as any).cfnProperties;
        const read: Record<string, unknown> = {};
        for (const key of RESOLVED) {
          if (properties[key] !== undefined) {
            read[key] = resolved(properties[key]);
          }
        }
        return { roleName: properties.roleName, tags: properties.tags, resolved: read };
      }),
    );
  }

  /**
   * Every IAM policy resource under `root` that can name a role (`AWS::IAM::Policy`,
   * `AWS::IAM::RolePolicy`, `AWS::IAM::ManagedPolicy`), in the order `findAll` visits them: only
   * these cross to Python, not every construct of the app.
   *
   * @param root the app
   */
  public static policiesIn(root: IConstruct): Construct[] {
    return root.node.findAll().filter(
      (construct): construct is Construct =>
        construct instanceof CfnPolicy || construct instanceof CfnRolePolicy || construct instanceof CfnManagedPolicy,
    );
  }

  private static document(made: any, statements: PolicyStatement[] = []): PolicyDocument | undefined {
    const json: any[] = made.inlineStatements ?? [];
    if (statements.length === 0 && json.length === 0) {
      return undefined;
    }
    return new PolicyDocument({ statements: [...statements, ...json.map((each) => PolicyStatement.fromJson(each))] });
  }

  private static finish(profile: Construct, roleScope: Construct, spec: any): void {
    for (const [type, data] of spec.roleMetadata ?? []) {
      roleScope.node.addMetadata(type, sharedValues(roleScope, data));
    }
    for (const [key, value] of spec.tags ?? []) {
      Tags.of(profile).add(key, value);
    }
  }

  private static tags(profile: Construct, instanceProfile: CfnInstanceProfile, spec: any): InstanceProfileTags | undefined {
    const made = spec.instanceProfileTags;
    if (made === undefined) {
      return undefined;
    }
    // The construct without a service token, then its resource from the tags as parsed here (the
    // constructor takes them as JSON, for Python).
    const timeout = Duration.seconds(made.serviceTimeoutSeconds);
    const tags = new InstanceProfileTags(profile, made.id, instanceProfile, made.resourceType, timeout);
    tagResource(tags, instanceProfile, made.resourceType, timeout, made.serviceToken, made.tags);
    return tags;
  }

  private constructor() {}
}

/**
 * Each app's strings, one copy of each, however many of its profiles give them. Every profile's JSON
 * is parsed apart, and V8 shares the keys it parses but not the values: a thousand profiles
 * acknowledging the same policy with the same reason would otherwise keep a thousand copies of it
 * alive to the end. Kept per app (its root), so an app that is gone takes its strings with it.
 */
const SHARED_STRINGS = new WeakMap<IConstruct, Map<string, string>>();

/**
 * `data` with each string value replaced by the first copy of it in `scope`'s app
 * (`SHARED_STRINGS`); data that is not an object as it is.
 */
function sharedValues(scope: IConstruct, data: unknown): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return data;
  }
  const root = scope.node.root;
  const strings = SHARED_STRINGS.get(root) ?? new Map<string, string>();
  SHARED_STRINGS.set(root, strings);
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (typeof value === 'string' && !strings.has(value)) {
      strings.set(value, value);
    }
    result[key] = typeof value === 'string' ? strings.get(value) : value;
  }
  return result;
}

/** Whether `value` is JSON as it is: strings, numbers, booleans, null, arrays and plain objects. */
function isPlainData(value: unknown): boolean {
  if (value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value)) {
    return true;
  }
  if (Array.isArray(value)) {
    return value.every(isPlainData);
  }
  const prototype = typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  return (prototype === Object.prototype || prototype === null) && Object.values(value as object).every(isPlainData);
}

/**
 * A profile's `InstanceProfileTags`: the construct and, under it as `Resource`, the
 * `Custom::InstanceProfileTags` (aws-cdk-lib's `CustomResource`) that puts tags on an instance
 * profile, made in the one call that creates the construct (or in the call that makes the profile,
 * `ProfileResources`). Python's `InstanceProfileTags` is its binding.
 */
export class InstanceProfileTags extends Construct {
  /**
   * @param scope the profile
   * @param id the construct's ID
   * @param instanceProfile the instance profile to tag, whose `Ref` the resource gets
   * @param resourceType the custom resource's type
   * @param serviceTimeout how long CloudFormation waits for the function's answer
   * @param serviceToken the ARN of the function that answers; without it, `addResource` makes the
   *   resource later
   * @param tags the tags, as a JSON list of `{Key, Value}`
   * @param lazyTags the tags, when they are only known as the template is written (instead of `tags`)
   */
  constructor(
    scope: Construct,
    id: string,
    instanceProfile: CfnInstanceProfile,
    resourceType: string,
    serviceTimeout: Duration,
    serviceToken?: string,
    tags?: string,
    lazyTags?: IResolvable,
  ) {
    super(scope, id);
    if (serviceToken !== undefined) {
      this.addResource(instanceProfile, resourceType, serviceTimeout, serviceToken, tags, lazyTags);
    }
  }

  /**
   * Make the `Custom::InstanceProfileTags` (the constructor's parameters), when the constructor had
   * no `serviceToken` yet.
   */
  public addResource(
    instanceProfile: CfnInstanceProfile,
    resourceType: string,
    serviceTimeout: Duration,
    serviceToken: string,
    tags?: string,
    lazyTags?: IResolvable,
  ): void {
    tagResource(this, instanceProfile, resourceType, serviceTimeout, serviceToken, tags === undefined ? lazyTags : JSON.parse(tags));
  }
}

/** The `Custom::InstanceProfileTags` under `scope`, as `Resource`: `tags` are its `Tags` property. */
function tagResource(
  scope: Construct,
  instanceProfile: CfnInstanceProfile,
  resourceType: string,
  serviceTimeout: Duration,
  serviceToken: string,
  tags: unknown,
): void {
  new CustomResource(scope, 'Resource', {
    resourceType,
    serviceToken,
    serviceTimeout,
    properties: { InstanceProfileName: instanceProfile.ref, Tags: tags },
  });
}

/**
 * The Lambda function behind every `Custom::InstanceProfileTags` of one stack, made in the one call
 * that creates the construct: under it, `Logs` (the function's log group, deleted with the stack),
 * `Role` (an `iam.Role` for Lambda whose inline policy `Permissions` lets it write its logs, tag
 * `profileArns` and read its own stack) and `Function` (the `AWS::Lambda::Function`, a
 * `CfnResource`). Python's `InstanceProfileTagsProvider` is its binding, and decides what it holds.
 */
export class InstanceProfileTagsProvider extends Construct {
  /** The function's role. */
  public readonly role: Role;

  /** The `AWS::Lambda::Function`. */
  public readonly function: CfnResource;

  /** The function's ARN: the service token of every `Custom::InstanceProfileTags` of the stack. */
  public readonly functionArn: string;

  private readonly ownStatements: PolicyStatement[];

  /**
   * @param scope the stack
   * @param id the construct's ID
   * @param spec what to make, as JSON: `logGroup` and `function` (each a `CfnResource`'s `type` and
   *   `properties`; the function's `LoggingConfig` and `Role`, given as null, are filled in here, in
   *   their places), `role` (`assumedBy`, a service, `description` and `policyName`), the statements
   *   `logStatement`, `tagStatement` and `stackStatement` (each `sid` and `actions`), and `metadata`:
   *   the `[type, data]` entries to add to `Logs`, `Role` and `Function`
   * @param profileArns what the role may tag (a lazy list, decided when the template is written)
   * @param aspect an aspect of the log group, which comes first in the provider
   */
  constructor(scope: Construct, id: string, spec: string, profileArns: string[], aspect: IAspect) {
    super(scope, id);
    const made = JSON.parse(spec);
    const logs = new Construct(this, 'Logs');
    const logGroup = new CfnResource(logs, 'Resource', made.logGroup);
    logGroup.applyRemovalPolicy(RemovalPolicy.DESTROY);
    const logStatement = new PolicyStatement({ ...made.logStatement, resources: [logGroup.getAtt('Arn').toString()] });
    const stackStatement = new PolicyStatement({ ...made.stackStatement, resources: [Aws.STACK_ID] });
    const tagStatement = new PolicyStatement({ ...made.tagStatement, resources: profileArns });
    this.ownStatements = [logStatement, stackStatement];
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal(made.role.assumedBy),
      description: made.role.description,
      inlinePolicies: { [made.role.policyName]: new PolicyDocument({ statements: [logStatement, tagStatement, stackStatement] }) },
    });
    const properties = { ...made.function.properties, LoggingConfig: { LogGroup: logGroup.ref }, Role: this.role.roleArn };
    this.function = new CfnResource(new Construct(this, 'Function'), 'Resource', { type: made.function.type, properties });
    this.functionArn = this.function.getAtt('Arn').toString();
    for (const [child, entries] of Object.entries(made.metadata as Record<string, [string, unknown][]>)) {
      for (const [type, data] of entries) {
        this.node.findChild(child).node.addMetadata(type, data);
      }
    }
    Aspects.of(logGroup).add(aspect);
  }

  /**
   * The role's statements for its logs and its stack as the stack resolves them, as a JSON array:
   * what the policy holds besides the ARNs it may tag.
   */
  public ownStatementsJson(): string {
    const stack = Stack.of(this);
    return JSON.stringify(this.ownStatements.map((statement) => stack.resolve(statement.toStatementJson())));
  }
}
