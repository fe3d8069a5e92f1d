# The image the K8S pipeline builds: the Maven build's jar on a Java runtime.
# CI swaps BASE_IMAGE for a local busybox image (no public registry there);
# the cluster in CI is a fake API server, so the container never starts.
ARG BASE_IMAGE=eclipse-temurin:17-jre
FROM ${BASE_IMAGE}
WORKDIR /app
COPY target/app.jar /app/app.jar
ENV PORT=8080
EXPOSE 8080
CMD ["java", "-jar", "/app/app.jar"]
