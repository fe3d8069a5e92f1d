// Prints the Kubernetes Deployment for one service of java-service:
//   node deploy/manifest.mjs NAME IMAGE
const [name, image] = process.argv.slice(2);
if (!name || !image) {
  console.error('usage: node deploy/manifest.mjs NAME IMAGE');
  process.exit(2);
}
const labels = { app: name };
const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels },
  spec: {
    replicas: 1,
    selector: { matchLabels: labels },
    template: {
      metadata: { labels },
      spec: {
        containers: [
          {
            name,
            image,
            ports: [{ containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/health', port: 8080 } },
          },
        ],
      },
    },
  },
};
// JSON is YAML; kubectl apply -f takes either.
console.log(JSON.stringify(deployment, null, 2));
