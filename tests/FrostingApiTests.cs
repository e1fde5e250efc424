using System.Reflection;
using System.Reflection.Emit;
using KahaDeploy.Frosting;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 13: the host in build/Frosting stands in for the Cake.Frosting package, so the two must stay apart. Checked over
/// the built assembly (signatures and method bodies): the host names no app type, and the app uses only what the real
/// package has, so it would compile and run unchanged against Cake.Frosting.
/// </summary>
public sealed class FrostingApiTests
{
    /// <summary>The public API of Cake.Frosting 7 the host mirrors: types, and "Type.Member" for members (constructors are ".ctor").</summary>
    private static readonly HashSet<string> RealFrosting =
    [
        "CakeHost", "CakeHost..ctor", "CakeHost.Create", "CakeHost.AddAssembly", "CakeHost.ConfigureServices", "CakeHost.Run",
        "CakeHostExtensions", "CakeHostExtensions.UseContext", "CakeHostExtensions.UseLifetime", "CakeHostExtensions.UseTaskLifetime",
        "CakeHostExtensions.UseSetup", "CakeHostExtensions.UseTeardown", "CakeHostExtensions.UseTaskSetup", "CakeHostExtensions.UseTaskTeardown",
        "CakeHostExtensions.UseStartup", "CakeHostExtensions.UseWorkingDirectory", "CakeHostExtensions.UseCakeSetting",
        "CakeHostExtensions.InstallTool", "CakeHostExtensions.UseTool",
        "IFrostingContext", "FrostingContext", "FrostingContext..ctor",
        "IFrostingTask", "IFrostingTask.SkippedMessage", "IFrostingTask.RunAsync", "IFrostingTask.ShouldRun", "IFrostingTask.OnError", "IFrostingTask.Finally",
        "FrostingTask`1", "FrostingTask`1..ctor", "FrostingTask`1.SkippedMessage", "FrostingTask`1.Run", "FrostingTask`1.ShouldRun", "FrostingTask`1.OnError", "FrostingTask`1.Finally",
        "AsyncFrostingTask`1", "AsyncFrostingTask`1..ctor", "AsyncFrostingTask`1.SkippedMessage", "AsyncFrostingTask`1.RunAsync", "AsyncFrostingTask`1.ShouldRun",
        "AsyncFrostingTask`1.OnError", "AsyncFrostingTask`1.Finally",
        "FrostingTask", "FrostingTask..ctor", "AsyncFrostingTask", "AsyncFrostingTask..ctor",
        "IFrostingSetup", "IFrostingSetup.Setup", "IFrostingTeardown", "IFrostingTeardown.Teardown", "IFrostingLifetime",
        "FrostingLifetime`1", "FrostingLifetime`1..ctor", "FrostingLifetime`1.Setup", "FrostingLifetime`1.Teardown", "FrostingLifetime", "FrostingLifetime..ctor",
        "IFrostingTaskSetup", "IFrostingTaskSetup.Setup", "IFrostingTaskTeardown", "IFrostingTaskTeardown.Teardown", "IFrostingTaskLifetime",
        "FrostingTaskLifetime`1", "FrostingTaskLifetime`1..ctor", "FrostingTaskLifetime`1.Setup", "FrostingTaskLifetime`1.Teardown",
        "FrostingTaskLifetime", "FrostingTaskLifetime..ctor",
        "FrostingSetup`1", "FrostingSetup`1..ctor", "FrostingSetup`1.Setup", "FrostingSetup", "FrostingSetup..ctor",
        "FrostingTeardown`1", "FrostingTeardown`1..ctor", "FrostingTeardown`1.Teardown", "FrostingTeardown", "FrostingTeardown..ctor",
        "FrostingTaskSetup`1", "FrostingTaskSetup`1..ctor", "FrostingTaskSetup`1.Setup", "FrostingTaskSetup", "FrostingTaskSetup..ctor",
        "FrostingTaskTeardown`1", "FrostingTaskTeardown`1..ctor", "FrostingTaskTeardown`1.Teardown", "FrostingTaskTeardown", "FrostingTaskTeardown..ctor",
        "IFrostingStartup", "IFrostingStartup.Configure", "FrostingException", "FrostingException..ctor",
        "TaskNameAttribute", "TaskNameAttribute..ctor", "TaskNameAttribute.Name",
        "TaskDescriptionAttribute", "TaskDescriptionAttribute..ctor", "TaskDescriptionAttribute.Description",
        "IsDependentOnAttribute", "IsDependentOnAttribute..ctor", "IsDependentOnAttribute.Task",
        "IsDependeeOfAttribute", "IsDependeeOfAttribute..ctor", "IsDependeeOfAttribute.Task",
        "ContinueOnErrorAttribute", "ContinueOnErrorAttribute..ctor",
    ];

    private static readonly Assembly Tool = typeof(DeployContext).Assembly;

    [Test]
    public void The_host_names_no_app_type()
    {
        var named = HostTypes()
            .SelectMany(type => References(type).Select(reference => (type, reference)))
            .Where(pair => IsApp(pair.reference))
            .Select(pair => $"{pair.type.Name} uses {pair.reference.FullName}")
            .Distinct()
            .ToList();

        Assert.That(HostTypes().Count(), Is.GreaterThan(10), "the host's types were found");
        Assert.That(named, Is.Empty);
    }

    [Test]
    public void The_app_uses_only_what_Cake_Frosting_has()
    {
        var missing = Tool.GetTypes()
            .Where(IsApp)
            .SelectMany(type => Uses(type).Select(use => (type, use)))
            .Where(pair => !RealFrosting.Contains(pair.use))
            .Select(pair => $"{pair.type.Name} uses {pair.use}")
            .Distinct()
            .ToList();

        Assert.That(Uses(typeof(Tasks.SkipIfLive)), Does.Contain("AsyncFrostingTask`1.ShouldRun"), "the app's uses are found");
        Assert.That(missing, Is.Empty);
    }

    [Test]
    public void Every_name_on_the_list_is_in_the_host()
    {
        // The list is what the host must offer: a name on it the host lacks is a missing piece of Frosting's API.
        var offered = HostTypes().Where(t => t.IsPublic)
            .SelectMany(type => type.GetMembers(All)
                .Select(member => $"{type.Name}.{member.Name}").Append(type.Name))
            .ToHashSet();

        Assert.That(RealFrosting.Where(name => !offered.Contains(name)), Is.Empty);
    }

    private static IEnumerable<Type> HostTypes() =>
        Tool.GetTypes().Where(type => type.Namespace?.StartsWith("KahaDeploy.Frosting", StringComparison.Ordinal) == true);

    /// <summary>The app's own types (Program included), not the host's nor what the compiler adds (attributes, generated regexes).</summary>
    private static bool IsApp(Type type) =>
        type.Assembly == Tool && !IsHost(type) && !type.Name.StartsWith('<')
        && type.Namespace?.StartsWith("System", StringComparison.Ordinal) != true && type.Namespace?.StartsWith("Microsoft", StringComparison.Ordinal) != true;

    private static bool IsHost(Type type) =>
        type.Assembly == Tool && type.Namespace?.StartsWith("KahaDeploy.Frosting", StringComparison.Ordinal) == true;

    /// <summary>The host's types and members an app type uses, named as on the list.</summary>
    private static IEnumerable<string> Uses(Type type)
    {
        foreach (var reference in References(type).Where(IsHost))
        {
            yield return Name(reference);
        }

        foreach (var member in MemberReferences(type).Where(m => m.DeclaringType is { } declaring && IsHost(Definition(declaring))))
        {
            yield return $"{Name(member.DeclaringType!)}.{(member is MethodBase { IsSpecialName: true } accessor && accessor.Name[3] == '_' ? accessor.Name[4..] : member.Name)}";
        }

        // An override uses the member it overrides.
        foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        {
            var overridden = method.GetBaseDefinition();
            if (overridden != method && overridden.DeclaringType is { } declaring && IsHost(Definition(declaring)))
            {
                yield return $"{Name(declaring)}.{(overridden.IsSpecialName ? overridden.Name[4..] : overridden.Name)}";
            }
        }
    }

    private static string Name(Type type) => Definition(type).Name;

    private static Type Definition(Type type) => type.IsGenericType ? type.GetGenericTypeDefinition() : type;

    /// <summary>Every type a type names: base, interfaces, attributes, signatures and method bodies (nested and compiler-made types included).</summary>
    private static IEnumerable<Type> References(Type type)
    {
        var types = new List<Type>();
        foreach (var part in Parts(type))
        {
            types.AddRange(Flatten(part.BaseType));
            types.AddRange(part.GetInterfaces().SelectMany(Flatten));
            types.AddRange(part.GetCustomAttributesData().SelectMany(a => Flatten(a.AttributeType)));
            types.AddRange(part.GetGenericArguments().SelectMany(Flatten));
            foreach (var field in part.GetFields(All))
            {
                types.AddRange(Flatten(field.FieldType));
            }

            foreach (var method in Methods(part))
            {
                types.AddRange(method.GetParameters().SelectMany(p => Flatten(p.ParameterType)));
                if (method is MethodInfo info)
                {
                    types.AddRange(Flatten(info.ReturnType));
                }

                types.AddRange(method.GetCustomAttributesData().SelectMany(a => Flatten(a.AttributeType)));
                types.AddRange(BodyReferences(method).OfType<Type>().SelectMany(Flatten));
                types.AddRange(BodyReferences(method).OfType<MemberInfo>().Where(m => m is not Type).SelectMany(m => Flatten(m.DeclaringType)));
            }

            foreach (var attribute in part.GetCustomAttributesData())
            {
                types.AddRange(attribute.ConstructorArguments.Select(a => a.Value).OfType<Type>().SelectMany(Flatten));
            }
        }

        return types.Distinct();
    }

    private static IEnumerable<MemberInfo> MemberReferences(Type type) =>
        Parts(type).SelectMany(Methods).SelectMany(BodyReferences).Where(member => member is not Type);

    /// <summary>The type and the types the compiler made for it (lambdas, async state machines, nested types).</summary>
    private static IEnumerable<Type> Parts(Type type) =>
        new[] { type }.Concat(type.GetNestedTypes(All).SelectMany(Parts));

    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static IEnumerable<MethodBase> Methods(Type type) =>
        type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All));

    private static IEnumerable<Type> Flatten(Type? type)
    {
        if (type is null)
        {
            yield break;
        }

        if (type.HasElementType)
        {
            foreach (var element in Flatten(type.GetElementType()))
            {
                yield return element;
            }

            yield break;
        }

        yield return Definition(type);
        if (type.IsGenericType)
        {
            foreach (var argument in type.GetGenericArguments().SelectMany(Flatten))
            {
                yield return argument;
            }
        }
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(op => op.Value);

    /// <summary>The types and members a method's IL names (call, newobj, ldtoken, castclass, ldfld, ...).</summary>
    private static IEnumerable<MemberInfo> BodyReferences(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var typeArguments = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var at = 0; at < il.Length;)
        {
            var code = il[at] == 0xFE ? OpCodesByValue[(short)(0xFE00 | il[at + 1])] : OpCodesByValue[il[at]];
            at += code.Size;
            switch (code.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    var token = BitConverter.ToInt32(il, at);
                    MemberInfo? member = null;
                    try
                    {
                        member = method.Module.ResolveMember(token, typeArguments, methodArguments);
                    }
                    catch (ArgumentException)
                    {
                    }

                    if (member is not null)
                    {
                        yield return member;
                    }

                    at += 4;
                    break;
                case OperandType.InlineSwitch:
                    at += 4 + 4 * BitConverter.ToInt32(il, at);
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    at += 8;
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    at += 1;
                    break;
                case OperandType.InlineVar:
                    at += 2;
                    break;
                case OperandType.InlineNone:
                    break;
                default:
                    at += 4;
                    break;
            }
        }
    }
}
