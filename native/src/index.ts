import { CustomResource, Tags } from 'aws-cdk-lib';
import { CfnInstanceProfile, CfnRole, InstanceProfile, Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * A profile's role and instance profile, made in one call from Python.
 */
export class ProfileResources {
  /**
   * Make, under `profile`, what `Ec2AccessProfile.from_spec` builds, as its Python code made it.
   *
   * `Role/Resource` is the `AWS::IAM::Role` (`spec.role`: its `CfnRoleProps`) and
   * `Resource/Resource` the `AWS::IAM::InstanceProfile` (`spec.instanceProfile`: its
   * `CfnInstanceProfileProps` but `roles`, which is the role). `spec.roleMetadata` is added to
   * `Role` as `[type, data]` entries, and `spec.tags` (`[key, value]`) with `Tags.of(profile)`, in
   * that order.
   *
   * @param profile the profile, whose children are made
   * @param spec what to make (see above)
   * @returns the role's scope (`Role`), the role and the instance profile
   */
  public static add(profile: Construct, spec: any): Construct[] {
    const roleScope = new Construct(profile, 'Role');
    const role = new CfnRole(roleScope, 'Resource', spec.role);
    const instanceProfile = new CfnInstanceProfile(new Construct(profile, 'Resource'), 'Resource', {
      ...spec.instanceProfile,
      roles: [role.ref],
    });
    ProfileResources.finish(profile, roleScope, spec);
    return [roleScope, role, instanceProfile];
  }

  /**
   * Make, under `profile`, what `Ec2AccessProfile`'s constructor builds: aws-cdk-lib's L2s.
   *
   * `Role` is the `iam.Role` (`spec.role`: its `RoleProps`) and `Resource` the `iam.InstanceProfile`
   * (`spec.instanceProfile`: its `InstanceProfileProps` but `role`, which is the role);
   * `spec.roleMetadata` and `spec.tags` as for `add`.
   *
   * @param profile the profile, whose children are made
   * @param spec what to make (see above)
   * @returns the role, the instance profile, and their default children (their L1s)
   */
  public static addL2(profile: Construct, spec: any): Construct[] {
    const role = new Role(profile, 'Role', spec.role);
    const instanceProfile = new InstanceProfile(profile, 'Resource', { ...spec.instanceProfile, role });
    ProfileResources.finish(profile, role, spec);
    return [role, instanceProfile, role.node.defaultChild as Construct, instanceProfile.node.defaultChild as Construct];
  }

  /**
   * Make, under `scope` (a profile's `InstanceProfileTags`), the `Custom::InstanceProfileTags` that
   * puts `spec.tags` on `instanceProfile`: aws-cdk-lib's `CustomResource` (`spec.props`: its
   * `CustomResourceProps` but `properties`), as its Python code made it.
   *
   * @param scope the construct the custom resource is made under, as `Resource`
   * @param instanceProfile the instance profile to tag
   * @param spec what to make (see above)
   * @returns the custom resource
   */
  public static addInstanceProfileTags(scope: Construct, instanceProfile: CfnInstanceProfile, spec: any): CustomResource {
    return new CustomResource(scope, 'Resource', {
      ...spec.props,
      properties: { InstanceProfileName: instanceProfile.ref, Tags: spec.tags },
    });
  }

  private static finish(profile: Construct, roleScope: Construct, spec: any): void {
    for (const [type, data] of spec.roleMetadata ?? []) {
      roleScope.node.addMetadata(type, data);
    }
    for (const [key, value] of spec.tags ?? []) {
      Tags.of(profile).add(key, value);
    }
  }

  private constructor() {}
}
