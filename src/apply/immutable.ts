/** Recognising the changes the API server only allows by recreating an object. */
import type { KubeApiError } from '../kube/http.js';

/**
 * Whether the server refused a change it only allows by recreating the object. Its wordings
 * differ by kind: "field is immutable" (Job templates, selectors), "may not change once set"
 * (Service clusterIPs), and the StatefulSet rule forbidding changes to volumeClaimTemplates,
 * serviceName and the like.
 */
export function isImmutable(err: KubeApiError): boolean {
  return (
    err.status === 422 &&
    /immutable|may not change once set|updates to statefulset spec for fields other than/i.test(err.message)
  );
}
