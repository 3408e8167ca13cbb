package dev.rotor.secrets.test.gcp;

import com.google.cloud.secretmanager.v1.AccessSecretVersionRequest;
import com.google.cloud.secretmanager.v1.AccessSecretVersionResponse;
import com.google.cloud.secretmanager.v1.AddSecretVersionRequest;
import com.google.cloud.secretmanager.v1.CreateSecretRequest;
import com.google.cloud.secretmanager.v1.DeleteSecretRequest;
import com.google.cloud.secretmanager.v1.DestroySecretVersionRequest;
import com.google.cloud.secretmanager.v1.DisableSecretVersionRequest;
import com.google.cloud.secretmanager.v1.EnableSecretVersionRequest;
import com.google.cloud.secretmanager.v1.GetSecretRequest;
import com.google.cloud.secretmanager.v1.GetSecretVersionRequest;
import com.google.cloud.secretmanager.v1.ListSecretVersionsRequest;
import com.google.cloud.secretmanager.v1.ListSecretVersionsResponse;
import com.google.cloud.secretmanager.v1.Secret;
import com.google.cloud.secretmanager.v1.SecretVersion;
import com.google.cloud.secretmanager.v1.ServiceProto;
import com.google.cloud.secretmanager.v1.UpdateSecretRequest;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import java.util.function.Function;

/**
 * The {@code google.cloud.secretmanager.v1.SecretManagerService} gRPC service, built from the service descriptor the
 * published protos carry ({@link ServiceProto}): each method's full name and its request and response types are
 * checked against that descriptor, so the service answers exactly the calls the real client makes. A subclass
 * implements the methods it models; any other call answers {@code UNIMPLEMENTED}, as a server without the method
 * does. (The generated {@code SecretManagerServiceGrpc} stub plays this part in Google's own artifacts; this class
 * stands in for it with the same wire contract.)
 */
public abstract class SecretManagerServiceBase {
    /** The service's full name. */
    public static final String SERVICE = "google.cloud.secretmanager.v1.SecretManagerService";

    protected abstract AccessSecretVersionResponse accessSecretVersion(AccessSecretVersionRequest request);

    protected abstract SecretVersion addSecretVersion(AddSecretVersionRequest request);

    protected abstract Secret createSecret(CreateSecretRequest request);

    protected abstract Secret getSecret(GetSecretRequest request);

    protected abstract Secret updateSecret(UpdateSecretRequest request);

    protected abstract Empty deleteSecret(DeleteSecretRequest request);

    protected abstract SecretVersion getSecretVersion(GetSecretVersionRequest request);

    protected abstract ListSecretVersionsResponse listSecretVersions(ListSecretVersionsRequest request);

    protected abstract SecretVersion disableSecretVersion(DisableSecretVersionRequest request);

    protected abstract SecretVersion enableSecretVersion(EnableSecretVersionRequest request);

    protected abstract SecretVersion destroySecretVersion(DestroySecretVersionRequest request);

    /** The service, ready to add to a gRPC server. */
    public final ServerServiceDefinition bindService() {
        Descriptors.ServiceDescriptor service = ServiceProto.getDescriptor().findServiceByName("SecretManagerService");
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(SERVICE);
        add(
                b,
                service,
                "AccessSecretVersion",
                AccessSecretVersionRequest.getDefaultInstance(),
                AccessSecretVersionResponse.getDefaultInstance(),
                this::accessSecretVersion);
        add(
                b,
                service,
                "AddSecretVersion",
                AddSecretVersionRequest.getDefaultInstance(),
                SecretVersion.getDefaultInstance(),
                this::addSecretVersion);
        add(
                b,
                service,
                "CreateSecret",
                CreateSecretRequest.getDefaultInstance(),
                Secret.getDefaultInstance(),
                this::createSecret);
        add(
                b,
                service,
                "GetSecret",
                GetSecretRequest.getDefaultInstance(),
                Secret.getDefaultInstance(),
                this::getSecret);
        add(
                b,
                service,
                "UpdateSecret",
                UpdateSecretRequest.getDefaultInstance(),
                Secret.getDefaultInstance(),
                this::updateSecret);
        add(
                b,
                service,
                "DeleteSecret",
                DeleteSecretRequest.getDefaultInstance(),
                Empty.getDefaultInstance(),
                this::deleteSecret);
        add(
                b,
                service,
                "GetSecretVersion",
                GetSecretVersionRequest.getDefaultInstance(),
                SecretVersion.getDefaultInstance(),
                this::getSecretVersion);
        add(
                b,
                service,
                "ListSecretVersions",
                ListSecretVersionsRequest.getDefaultInstance(),
                ListSecretVersionsResponse.getDefaultInstance(),
                this::listSecretVersions);
        add(
                b,
                service,
                "DisableSecretVersion",
                DisableSecretVersionRequest.getDefaultInstance(),
                SecretVersion.getDefaultInstance(),
                this::disableSecretVersion);
        add(
                b,
                service,
                "EnableSecretVersion",
                EnableSecretVersionRequest.getDefaultInstance(),
                SecretVersion.getDefaultInstance(),
                this::enableSecretVersion);
        add(
                b,
                service,
                "DestroySecretVersion",
                DestroySecretVersionRequest.getDefaultInstance(),
                SecretVersion.getDefaultInstance(),
                this::destroySecretVersion);
        return b.build();
    }

    private static <Q extends Message, A extends Message> void add(
            ServerServiceDefinition.Builder b,
            Descriptors.ServiceDescriptor service,
            String method,
            Q request,
            A response,
            Function<Q, A> handler) {
        Descriptors.MethodDescriptor m = service.findMethodByName(method);
        if (m == null
                || m.getInputType() != request.getDescriptorForType()
                || m.getOutputType() != response.getDescriptorForType()) {
            throw new IllegalStateException(method + " does not match the published SecretManagerService");
        }
        MethodDescriptor<Q, A> descriptor = MethodDescriptor.<Q, A>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, method))
                .setRequestMarshaller(ProtoUtils.marshaller(request))
                .setResponseMarshaller(ProtoUtils.marshaller(response))
                .build();
        b.addMethod(descriptor, ServerCalls.asyncUnaryCall((q, observer) -> {
            A answer;
            try {
                answer = handler.apply(q);
            } catch (StatusRuntimeException e) {
                observer.onError(e);
                return;
            } catch (RuntimeException e) {
                observer.onError(Status.INTERNAL.withDescription("fake failed").asRuntimeException());
                return;
            }
            if (answer == null) {
                return; // no answer at all: the caller's deadline decides
            }
            observer.onNext(answer);
            observer.onCompleted();
        }));
    }
}
